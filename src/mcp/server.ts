import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentScope, Grant, Preview } from '../grants/types.js';
import type { SocketRequest } from '../keys/socket-protocol.js';
import { proxyVersion } from '../version.js';
import { grantText, previewText, scopeText } from './format.js';
import { describeScopeInput, grantIdInput, previewInput, requestAccessInput } from './inputs.js';
import { withoutSecrets } from './redact.js';

/** Sends one op on the agent's own channel and returns the proxy's answer; throws when it cannot. */
export type AskProxy = (request: SocketRequest) => Promise<Record<string, unknown>>;

const INSTRUCTIONS = `Your AWS calls go through iam-agent-proxy, which allows only what your policy and your active grants allow.
Use describe_scope to see what you may do, preview_request to check calls before making them, and request_access
when a call is denied (its AccessDenied message names request_access) and the task needs it. Grants are short and
audited: ask for the narrowest actions, resources and duration, and release_access when done.`;

/**
 * The MCP server for one agent. `ask` is bound to that agent's channel, so no tool names an agent and
 * none can ask for another's access; no tool sends the `credentials` op, so none can return a key.
 */
export function createMcpServer(ask: AskProxy): McpServer {
  const server = new McpServer({ name: 'iam-agent-proxy', version: proxyVersion() }, { instructions: INSTRUCTIONS });
  const local = { openWorldHint: false };

  server.registerTool(
    'describe_scope',
    {
      title: 'What AWS access do I have now?',
      description:
        'What you may do in AWS right now: per service, the access levels (List, Read, Write, ...) your baseline policy and your active grants allow, and each active grant with its expiry. Use it before planning AWS work, and after an AccessDenied, to see what you can already do.',
      inputSchema: describeScopeInput,
      annotations: { readOnlyHint: true, ...local },
    },
    () => answer(ask, { op: 'scope' }, (scope: AgentScope) => scopeText(scope)),
  );

  server.registerTool(
    'preview_request',
    {
      title: 'Would these AWS calls be allowed?',
      description:
        'Checks, without calling AWS or changing anything, whether IAM actions on resources would be allowed now, and if not, which policy statement says no. Use it before request_access, to ask only for what is missing.',
      inputSchema: previewInput,
      annotations: { readOnlyHint: true, ...local },
    },
    (input) => answer(ask, { op: 'preview', ...input }, (preview: Preview) => previewText(preview)),
  );

  server.registerTool(
    'request_access',
    {
      title: 'Ask for more AWS access, for a while',
      description:
        'Asks for AWS access beyond your current scope, for a limited time. Use it when a call was denied with AccessDenied naming request_access, or when preview_request says a call the task needs is not allowed. Ask for the narrowest actions and resources and the shortest duration that will do, with a reason a person will read. Returns a grant id and its status: active (applies from your next AWS call until its expiry), pending (a person decides: check grant_status later, do not ask again) or denied with the reason.',
      inputSchema: requestAccessInput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, ...local },
    },
    (input) => answer(ask, { op: 'request_access', ...input }, grantAnswerText),
  );

  server.registerTool(
    'grant_status',
    {
      title: 'Status of an access request',
      description:
        'The status of a grant you asked for with request_access: pending, active with its expiry, denied with the reason, or released, expired or revoked. Use it to follow a pending request; leave time between checks.',
      inputSchema: grantIdInput,
      annotations: { readOnlyHint: true, ...local },
    },
    ({ id }) => answer(ask, { op: 'grant_status', id }, grantAnswerText),
  );

  server.registerTool(
    'release_access',
    {
      title: 'Give back a grant',
      description:
        'Ends one of your grants now, when the work it was for is done (or a pending request is no longer needed). It stops applying on your next AWS call.',
      inputSchema: grantIdInput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, ...local },
    },
    ({ id }) => answer(ask, { op: 'release_access', id }, grantAnswerText),
  );

  return server;
}

function grantAnswerText(answer: { grant: Grant }): string {
  return grantText(answer.grant);
}

/** The proxy's answer as a tool result: readable text and the data; its `{ error }` or no answer at all as a tool error. */
async function answer<T>(ask: AskProxy, request: SocketRequest, text: (answer: T) => string): Promise<CallToolResult> {
  let reply: Record<string, unknown>;
  try {
    reply = withoutSecrets(await ask(request));
  } catch (error) {
    return toolError((error as Error).message);
  }
  if (typeof reply.error === 'string') return toolError(reply.error);
  return { content: [{ type: 'text', text: text(reply as T) }], structuredContent: reply };
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
