// The real Memento server, started from its build output as a separate process, and the README's
// "Connect an MCP host" examples, read from the README itself so the tests use them as written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const configuration = process.env.CONFIGURATION || 'Debug';
export const serverDll = join(repoRoot, 'Memento.McpServer', 'bin', configuration, 'net10.0', 'Memento.McpServer.dll');

/** How long a server may take to start on a busy machine. */
const startTimeoutMs = 90_000;

export function requireBuiltServer() {
  if (!existsSync(serverDll)) {
    throw new Error(`${serverDll} is not built; run ./build.sh build (or dotnet build) first.`);
  }
}

/** A fresh storage root under the system temp folder; remove() deletes it. */
export function tempStorage() {
  const path = mkdtempSync(join(tmpdir(), 'memento-interop-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The environment a child server gets: ours, less telemetry export, plus `extra`. */
export function serverEnvironment(extra = {}) {
  const env = { ...process.env, ASPNETCORE_ENVIRONMENT: 'Production', DOTNET_NOLOGO: '1', ...extra };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return env;
}

/**
 * Starts `dotnet Memento.McpServer.dll --urls http://127.0.0.1:0` (the OS picks the port) with its own
 * storage root and waits for the "Now listening on:" line. stop() kills it and removes the storage.
 */
export async function startHttpServer(settings = {}) {
  requireBuiltServer();
  const storage = tempStorage();
  const child = spawn('dotnet', [serverDll, '--urls', 'http://127.0.0.1:0'], {
    cwd: dirname(serverDll),
    env: serverEnvironment({ Memento__Storage__Root: storage.path, ...settings }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const baseUrl = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${startTimeoutMs} ms:\n${output.join('')}`)), startTimeoutMs);
    const onData = (chunk) => {
      output.push(chunk.toString());
      const match = /Now listening on: (http:\/\/\S+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolveUrl(new URL(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before listening:\n${output.join('')}`));
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    storage.remove();
    throw error;
  });

  return {
    baseUrl,
    output,
    storage: storage.path,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await exited;
      }
      storage.remove();
    },
  };
}

const readme = () => readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The README's desktop-host (stdio) configuration: its command, arguments and environment. */
export function readmeStdioConfig() {
  for (const [, block] of readme().matchAll(/```json\n([\s\S]*?)```/g)) {
    const server = JSON.parse(block).mcpServers?.memento;
    if (server?.command) {
      return server;
    }
  }

  throw new Error('README.md has no JSON block with mcpServers.memento.command');
}

/** The local Streamable HTTP URL and user header exactly as the README gives them. */
export function readmeLocalHttp() {
  const text = readme();
  const url = /Locally, without authentication, `"url": "([^"]+)"`/.exec(text)?.[1];
  const headers = /`"headers": (\{[^`]+\})` to pick the user/.exec(text)?.[1];
  if (!url || !headers) {
    throw new Error('README.md no longer gives the local "url" and "headers" for an MCP host');
  }

  return { url: new URL(url), headers: JSON.parse(headers) };
}

/** The README's listed tool names ("Tools: `a`, `b`, ..."). */
export function readmeToolNames() {
  const line = /^Tools: ([^;]+);/m.exec(readme())?.[1] ?? '';
  return [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
}
