// The official TypeScript SDK client against the real server over each transport: Streamable HTTP at the
// README's URL, legacy HTTP+SSE when enabled, and stdio started with the README's desktop-host command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exerciseEveryTool, exerciseImpliedUser, exerciseResourcesAndPrompts, listTools } from '../lib/scenario.js';
import { configuration, readmeLocalHttp, readmeStdioConfig, repoRoot, requireBuiltServer, startHttpServer, tempStorage } from '../lib/server.js';

const timeout = 240_000;
const newClient = () => new Client({ name: 'memento-interop', version: '1.0.0' });

/** The README's local URL with only the port replaced by the one the OS gave the test server. */
function readmeUrlOn(server) {
  const { url, headers } = readmeLocalHttp();
  assert.equal(url.href, 'http://127.0.0.1:8000/mcp', 'the README\'s local URL changed; update this test with it');
  const endpoint = new URL(url);
  endpoint.port = server.baseUrl.port;
  return { endpoint, headers };
}

/** The user the README's local header picks. */
const readmeUser = () => readmeLocalHttp().headers['X-Memento-User'];

/** One transport's whole run: tools, every tool in every state, resources and prompts, the implied user. */
function transportSuite(name, connect, user) {
  describe(name, { timeout }, () => {
    let context;
    before(async () => { context = await connect(); });
    after(async () => { await context?.close(); });

    let tools;
    let memory;
    test('lists the tools, each with a description and an output schema', async () => {
      tools = await listTools(context.client);
    });

    test('calls every tool in every state; the client accepts every structured result', async () => {
      memory = await exerciseEveryTool(context.client, tools, user);
    });

    test('reads memories as resources and gets every prompt', async () => {
      await exerciseResourcesAndPrompts(context.client, memory);
    });

    test(`a call that names no user is ${user}'s, as the host configuration says`, async () => {
      await exerciseImpliedUser(context.client, tools, user);
    });
  });
}

transportSuite('Streamable HTTP at the README\'s URL (http://127.0.0.1:<port>/mcp)', async () => {
  const server = await startHttpServer();
  const { endpoint, headers } = readmeUrlOn(server);
  const client = newClient();
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers } }));
  return { client, close: async () => { await client.close(); await server.stop(); } };
}, readmeUser());

transportSuite('legacy HTTP+SSE at /sse and /message (Memento__Http__EnableLegacySse=true)', async () => {
  const server = await startHttpServer({ Memento__Http__EnableLegacySse: 'true' });
  const { headers } = readmeLocalHttp();
  const client = newClient();
  const transport = new SSEClientTransport(new URL('/sse', server.baseUrl), { requestInit: { headers } });
  await client.connect(transport);
  return { client, close: async () => { await client.close(); await server.stop(); } };
}, readmeUser());

transportSuite('stdio, started with the README\'s desktop-host command', async () => {
  requireBuiltServer();
  const config = readmeStdioConfig();
  assert.equal(config.command, 'dotnet');
  assert.deepEqual(config.args.slice(1), ['--stdio']);
  assert.match(config.args[0], /^\/path\/to\/Memento\.McpServer\/bin\/Release\/net10\.0\/Memento\.McpServer\.dll$/);
  // The README's placeholders: where the repository is, and the configuration it was built in.
  const dll = config.args[0].replace('/path/to', repoRoot).replace('/Release/', `/${configuration}/`);
  const storage = tempStorage();
  const stderr = [];
  const transport = new StdioClientTransport({
    command: config.command,
    args: [dll, ...config.args.slice(1)],
    // The README's env, its placeholder folder replaced; nothing else (a host passes only what it is given).
    env: { ...config.env, Memento__Storage__Root: storage.path },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => stderr.push(chunk.toString()));
  const client = newClient();
  await client.connect(transport);
  return {
    client,
    close: async () => {
      await client.close();
      // Logs go to stderr, never to stdout (where a stray line would have broken the protocol above).
      assert.ok(stderr.join('').includes(storage.path), `the server's stderr does not name its storage root:\n${stderr.join('')}`);
      storage.remove();
    },
  };
}, 'default'); // stdio has no header to name a user: the README's host config works as "default"
