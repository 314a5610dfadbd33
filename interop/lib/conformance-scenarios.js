// Which server scenarios of @modelcontextprotocol/conformance (the version package.json pins) apply to
// Memento, against which server configuration, and why the others do not. docs/mcp.md gives the same list.

/** Scenarios that test what Memento does; run against each configuration named. */
export const applicable = {
  'server-initialize': ['stateless', 'stateful'],
  'logging-set-level': ['stateless', 'stateful'],
  ping: ['stateless', 'stateful'],
  'tools-list': ['stateless', 'stateful'],
  'resources-list': ['stateless', 'stateful'],
  'prompts-list': ['stateless', 'stateful'],
  'dns-rebinding-protection': ['stateless', 'stateful'],
  // Needs a session id: Streamable HTTP is stateful only with legacy SSE on (stateless by default).
  'server-sse-multiple-streams': ['stateful'],
};

const fixtureTool = 'calls a fixture tool of the suite\'s reference server, which a memory server does not have';
const fixturePrompt = 'gets a fixture prompt of the suite\'s reference server, which a memory server does not have';
const fixtureResource = 'reads a fixture resource (test://...) of the suite\'s reference server; Memento\'s resources are memento://memories/{id}, read by the SDK-client tests';

/** Scenarios that do not apply, each with the reason. */
export const notApplicable = {
  'completion-complete': 'Memento offers no completions (it declares no completions capability); the scenario completes a fixture prompt',
  'tools-call-simple-text': fixtureTool,
  'tools-call-image': fixtureTool,
  'tools-call-audio': fixtureTool,
  'tools-call-embedded-resource': fixtureTool,
  'tools-call-mixed-content': fixtureTool,
  'tools-call-with-logging': fixtureTool,
  'tools-call-error': fixtureTool + ' (tool errors are checked for every Memento tool by the SDK-client tests)',
  'tools-call-with-progress': fixtureTool,
  'tools-call-sampling': fixtureTool + '; Memento never asks the client for sampling',
  'tools-call-elicitation': fixtureTool + '; Memento never asks the user for input',
  'json-schema-2020-12': fixtureTool,
  'elicitation-sep1034-defaults': fixtureTool + '; Memento never asks the user for input',
  'elicitation-sep1330-enums': fixtureTool + '; Memento never asks the user for input',
  'server-sse-polling': fixtureTool + ' (test_reconnection, which closes its stream mid-call)',
  'resources-read-text': fixtureResource,
  'resources-read-binary': fixtureResource,
  'resources-templates-read': fixtureResource,
  'resources-subscribe': 'Memento does not offer resource subscriptions (it declares no resources.subscribe capability)',
  'resources-unsubscribe': 'Memento does not offer resource subscriptions (it declares no resources.subscribe capability)',
  'prompts-get-simple': fixturePrompt,
  'prompts-get-with-args': fixturePrompt,
  'prompts-get-embedded-resource': fixturePrompt,
  'prompts-get-with-image': fixturePrompt,
};
