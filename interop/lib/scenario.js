// What every transport must do for the official TypeScript client: list and call every tool (each
// structured result validated by the client), read memories as resources and get the prompts.
import assert from 'node:assert/strict';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { readmeToolNames } from './server.js';
import { argumentsFor, call, idArgument, missingId, newSeen, takesCursor } from './tools.js';

const idPattern = /^\d{8}T\d{9}Z-[a-z0-9]{10}$/;
const text = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

/** Connects, checks who answered, and returns the tools the server lists. */
export async function listTools(client) {
  assert.equal(client.getServerVersion()?.name, 'memento');
  const capabilities = client.getServerCapabilities();
  assert.ok(capabilities?.tools && capabilities.resources && capabilities.prompts, `capabilities: ${JSON.stringify(capabilities)}`);

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  for (const name of readmeToolNames()) {
    assert.ok(names.includes(name), `the README names ${name}, the server does not list it (it lists ${names.join(', ')})`);
  }

  for (const tool of tools) {
    assert.ok(tool.description, `${tool.name} has no description`);
    assert.ok(tool.outputSchema, `${tool.name} declares no outputSchema, so no client can check its structured content`);
  }

  return tools;
}

/**
 * Every tool, in every state a result can take: an empty user, memories, page by page to the last page,
 * a memory in the trash, ids that do not exist, refused arguments; plus the answers of the documented tools.
 */
export async function exerciseEveryTool(client, tools, user) {
  const seen = newSeen();
  const byName = new Map(tools.map((t) => [t.name, t]));
  const readOnlyFirst = [...tools].sort((a, b) => Number(!a.annotations?.readOnlyHint) - Number(!b.annotations?.readOnlyHint));
  const store = async (args) => {
    const result = await call(client, byName.get('store_memory'), { user, ...args }, seen);
    return result[0].structuredContent;
  };

  // An empty user: the read-only tools first, so they see nothing stored yet.
  for (const kind of ['required', 'all']) {
    for (const tool of readOnlyFirst) {
      await call(client, tool, argumentsFor(tool, kind, { id: missingId, user }), seen);
    }
  }

  // The documented tools answer what they should.
  const content = 'Quarterly planning: the Apollo launch moved to March; the budget stays as agreed.';
  const stored = await store({ content, title: 'Quarterly planning', tags: ['work', 'budget'], metadata: { project: 'apollo', priority: 2 } });
  assert.equal(stored.created, true);
  assert.match(stored.memory.id, idPattern);
  const again = await store({ content, title: 'Quarterly planning', tags: ['work', 'budget'], metadata: { project: 'apollo', priority: 2 } });
  assert.equal(again.created, false, 'storing the same memory twice made a duplicate');
  assert.equal(again.memory.id, stored.memory.id);
  const id = stored.memory.id;
  const others = [];
  for (const i of [1, 2, 3]) {
    others.push((await store({ content: `Budget note ${i}: the kubernetes invoice`, tags: i === 1 ? [] : ['work'] })).memory.id);
  }

  await store({ user: 'bob', content: 'Bob keeps his own budget notes.' });

  const read = (await call(client, byName.get('get_memory_content'), { user, memory_id: id }, seen))[0];
  assert.equal(read.structuredContent.content, content);
  assert.equal(read.structuredContent.uri, `memento://memories/${id}`);
  assert.equal(read.structuredContent.source, null);
  assert.deepEqual(read.structuredContent.metadata, { project: 'apollo', priority: '2' });
  assert.match(text(read), /# Quarterly planning/);

  const found = (await call(client, byName.get('retrieve_memories'), { user, query: 'apollo launch march' }, seen))[0];
  assert.equal(found.structuredContent.hits[0].memory.id, id, text(found));

  const pages = await call(client, byName.get('list_memories'), { user, limit: 1 }, seen, { follow: true });
  const listed = pages.flatMap((p) => p.structuredContent.memories.map((m) => m.id));
  for (const expected of [id, ...others]) {
    assert.ok(listed.includes(expected), `list_memories, page by page, missed ${expected}`);
  }

  assert.equal(pages.at(-1).structuredContent.nextCursor, null, 'the last page names no next cursor');

  const stats = (await call(client, byName.get('get_user_stats'), { user }, seen))[0].structuredContent;
  assert.equal(stats.user, user);
  assert.equal(stats.memoryCount, listed.length);
  assert.ok(stats.oldest <= stats.newest, JSON.stringify(stats));

  const users = (await call(client, byName.get('list_users'), {}, seen))[0].structuredContent;
  assert.ok(users.users.some((u) => u.user === user) && users.users.some((u) => u.user === 'bob'), JSON.stringify(users));

  const updated = (await call(client, byName.get('update_memory'), { user, memory_id: others[0], title: 'Kubernetes invoice' }, seen))[0];
  assert.equal(updated.structuredContent.memory.title, 'Kubernetes invoice');

  // Two memories in the trash, for tools that list or restore it.
  const trashed = [];
  for (const id of others.slice(1)) {
    const deleted = (await call(client, byName.get('delete_memory'), { user, memory_id: id }, seen))[0];
    assert.equal(deleted.structuredContent.deleted, true);
    trashed.push(id);
  }

  const gone = (await call(client, byName.get('get_memory_content'), { user, memory_id: trashed[0] }, seen))[0];
  assert.equal(gone.isError, true);
  assert.match(text(gone), /No memory with id/);

  // Every tool with memories: each kind of arguments, a fresh memory for each call that may change one.
  for (const kind of ['required', 'all', 'paged']) {
    for (const tool of readOnlyFirst) {
      const target = tool.annotations?.readOnlyHint || !idArgument(tool)
        ? id
        : (await store({ content: `Scratch memory for ${tool.name} (${kind})`, tags: ['scratch'] })).memory.id;
      await call(client, tool, argumentsFor(tool, kind, { id: target, user }), seen, { follow: kind === 'paged' });
    }
  }

  // Ids in the trash and ids that do not exist; then arguments every tool must refuse.
  for (const tool of readOnlyFirst.filter(idArgument)) {
    await call(client, tool, argumentsFor(tool, 'required', { id: trashed.at(-1), user }), seen);
    const [missing] = await call(client, tool, argumentsFor(tool, 'required', { id: missingId, user }), seen);
    assert.equal(missing.isError, true, `${tool.name} did not refuse an id that does not exist`);
  }

  for (const tool of readOnlyFirst) {
    const invalid = argumentsFor(tool, 'invalid', { id: id, user });
    if (JSON.stringify(invalid) === JSON.stringify(argumentsFor(tool, 'all', { id: id, user }))) {
      continue; // no argument of this tool can be made invalid
    }

    const [refused] = await call(client, tool, invalid, seen);
    assert.equal(refused.isError, true, `${tool.name} accepted ${JSON.stringify(invalid)}`);
  }

  for (const tool of tools) {
    assert.ok(seen.succeeded.has(tool.name), `${tool.name} never succeeded, so its structured content was never checked`);
    if (takesCursor(tool)) {
      assert.ok(seen.paged.has(tool.name), `${tool.name} never returned a page with a nextCursor and then a last page`);
    }
  }

  return { id, content };
}

/**
 * Calls that name no user, as a host's model may send them: they belong to the user the host's configuration
 * picks (the README's X-Memento-User header over HTTP, else "default"), both when storing and when reading.
 */
export async function exerciseImpliedUser(client, tools, user) {
  const seen = newSeen();
  const byName = new Map(tools.map((t) => [t.name, t]));
  const content = 'A note stored without naming a user: the host configuration says whose it is.';
  const [stored] = await call(client, byName.get('store_memory'), { content }, seen);
  assert.ok(!stored.isError, text(stored));
  const stats = (await call(client, byName.get('get_user_stats'), {}, seen))[0].structuredContent;
  assert.equal(stats.user, user, `a call without a user argument went to ${stats.user}, not to ${user}`);
  const [read] = await call(client, byName.get('get_memory_content'), { user, memory_id: stored.structuredContent.memory.id }, seen);
  assert.ok(!read.isError, text(read));
  assert.equal(read.structuredContent.content, content);
}

/** Memories as resources (listed, read, templated, not found) and both prompts. */
export async function exerciseResourcesAndPrompts(client, { id, content }) {
  const { resources } = await client.listResources();
  const uri = `memento://memories/${id}`;
  assert.ok(resources.some((r) => r.uri === uri), `resources/list lacks ${uri}: ${JSON.stringify(resources)}`);

  const { contents } = await client.readResource({ uri });
  assert.equal(contents[0].uri, uri);
  assert.equal(contents[0].mimeType, 'text/markdown');
  assert.ok(contents[0].text.includes(content), contents[0].text);

  const { resourceTemplates } = await client.listResourceTemplates();
  assert.ok(resourceTemplates.some((t) => t.uriTemplate === 'memento://memories/{id}'), JSON.stringify(resourceTemplates));

  await assert.rejects(
    client.readResource({ uri: `memento://memories/${missingId}` }),
    (error) => error instanceof McpError && error.code === -32002,
  );

  const { prompts } = await client.listPrompts();
  const names = prompts.map((p) => p.name);
  assert.ok(names.includes('summarise_week') && names.includes('recall'), names.join(', '));
  for (const prompt of prompts) {
    const args = Object.fromEntries((prompt.arguments ?? []).filter((a) => a.required).map((a) => [a.name, 'budget']));
    const { messages } = await client.getPrompt({ name: prompt.name, arguments: args });
    assert.ok(messages.length > 0 && messages[0].content.text?.trim(), `${prompt.name} gave no text`);
  }

  const week = await client.getPrompt({ name: 'summarise_week', arguments: { days: '3' } });
  assert.match(week.messages[0].content.text, /list_memories/);
  assert.match(week.messages[0].content.text, /my last 3 days/);
  const recall = await client.getPrompt({ name: 'recall', arguments: { topic: 'the kubernetes migration' } });
  assert.match(recall.messages[0].content.text, /retrieve_memories with query="the kubernetes migration"/);

  await assert.rejects(
    client.getPrompt({ name: 'summarise_week', arguments: { days: '99' } }),
    (error) => error instanceof McpError && error.code === ErrorCode.InvalidParams && /between 1 and 31/.test(error.message),
  );
}
