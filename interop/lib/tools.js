// Calls every tool a server lists, with arguments made from each tool's input schema, so a tool added
// to the server is exercised without editing the tests. The SDK's Client.callTool validates each
// structuredContent against the tool's declared outputSchema and throws (-32602) when it does not match;
// that is the point of going through it.
import assert from 'node:assert/strict';

/** A memory id that is well formed and exists nowhere. */
export const missingId = '20010203T040506000Z-0000000000';

const properties = (tool) => Object.entries(tool.inputSchema?.properties ?? {});
const required = (tool) => new Set(tool.inputSchema?.required ?? []);
const typeOf = (schema) => [schema.type].flat().find((t) => t && t !== 'null');

export const idArgument = (tool) => properties(tool).map(([name]) => name).find((name) => name.endsWith('_id'));
export const takesCursor = (tool) => properties(tool).some(([name]) => name === 'cursor');

/**
 * Arguments for one call. kind: 'required' (only what the tool needs), 'all' (every argument, with values
 * that match the seeded memories), 'paged' (the smallest page) or 'invalid' (values the tool must refuse).
 */
export function argumentsFor(tool, kind, { id, user } = {}) {
  const needed = required(tool);
  const args = {};
  for (const [name, schema] of properties(tool)) {
    let value;
    if (name === 'user') {
      value = kind === 'invalid' ? 'Not A User!' : user;
    } else if (name === idArgument(tool)) {
      value = kind === 'invalid' ? '../not-an-id' : id;
    } else if (needed.has(name) || kind === 'all' || kind === 'invalid' || (kind === 'paged' && name === 'limit')) {
      value = valueFor(name, schema, kind);
    }

    if (value !== undefined) {
      args[name] = value;
    }
  }

  return args;
}

function valueFor(name, schema, kind) {
  const invalid = kind === 'invalid';
  switch (name) {
    case 'cursor': return invalid ? 'not-a-cursor' : undefined;
    case 'limit': return invalid ? 0 : kind === 'paged' ? 1 : 2;
    case 'since': return invalid ? 'last Tuesday-ish' : '2000-01-01';
    case 'until': return invalid ? 'last Tuesday-ish' : '2100-01-01T00:00:00Z';
    case 'tag_match': return invalid ? 'some' : 'any';
    case 'tags': return invalid ? ['x'.repeat(500)] : ['work'];
    default: break;
  }

  if (Array.isArray(schema.enum)) {
    return schema.enum[0];
  }

  switch (typeOf(schema)) {
    case 'string':
      return name === 'content' ? 'Budget review moved to Friday; the Kubernetes costs rose 12%.'
        : name === 'title' ? 'Budget review'
        : 'budget';
    case 'integer':
    case 'number': return 1;
    case 'boolean': return true;
    case 'array': return ['work'];
    case 'object': return { project: 'apollo' };
    default: return undefined;
  }
}

/**
 * Calls a tool through the SDK client (which validates structured content) and records what came back.
 * With follow, a page's nextCursor is passed back until the last page. Returns the results.
 */
export async function call(client, tool, args, seen, { follow = false } = {}) {
  const results = [];
  for (let page = 1; page <= 200; page++) {
    let result;
    try {
      result = await client.callTool({ name: tool.name, arguments: args });
    } catch (error) {
      throw new Error(`${tool.name}(${JSON.stringify(args)}) page ${page}: ${error.message}`, { cause: error });
    }

    results.push(result);
    assert.ok(result.content.some((c) => c.type === 'text' && c.text.trim()), `${tool.name} answered without readable text`);
    if (result.isError) {
      seen.refused.add(tool.name);
      return results;
    }

    seen.succeeded.add(tool.name);
    assert.ok(result.structuredContent, `${tool.name} succeeded without structured content`);
    const next = result.structuredContent.nextCursor;
    if (!follow || typeof next !== 'string') {
      if (follow && page > 1) {
        seen.paged.add(tool.name);
      }

      return results;
    }

    args = { ...args, cursor: next };
  }

  throw new Error(`${tool.name}: still a nextCursor after 200 pages`);
}

export const newSeen = () => ({ succeeded: new Set(), refused: new Set(), paged: new Set() });
