// MCP 2026-07-28 ("stateless") on the server side while the IDE speaks the 2025-11-25 lifecycle: the IDE's
// initialize becomes `server/discover`, and every request carries the protocol version and the IDE's capabilities
// in `_meta` (the SDK transport derives the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers from it).
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { RequestId } from './jsonrpc.js';

export const MODERN_VERSION = '2026-07-28';
const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
/** -32022: the server does not support the requested protocol version (data.supported lists what it does). */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

type Json = Record<string, unknown>;

/** The per-request `_meta` a 2026-07-28 server needs, built from the IDE's initialize parameters. */
export function modernMeta(ideParams: Json): Json {
  return {
    [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION,
    [CLIENT_CAPABILITIES_META_KEY]: ideParams.capabilities ?? {},
    ...(ideParams.clientInfo ? { [CLIENT_INFO_META_KEY]: ideParams.clientInfo } : {}),
  };
}

export function discoverRequest(id: RequestId, ideParams: Json): JSONRPCMessage & { id: RequestId } {
  return { jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: modernMeta(ideParams) } } as JSONRPCMessage & { id: RequestId };
}

/** The discover answer, when it shows a server that speaks 2026-07-28. */
export function modernDiscovery(answer: JSONRPCMessage): Json | undefined {
  const result = (answer as { result?: Json }).result;
  const versions = result?.supportedVersions;
  return Array.isArray(versions) && versions.includes(MODERN_VERSION) ? result : undefined;
}

/** A -32022 answer whose `data.supported` includes the version mcp-tether asked for. */
export function rejectedButSupported(answer: JSONRPCMessage): boolean {
  const error = (answer as { error?: { code?: number; data?: { supported?: unknown } } }).error;
  return error?.code === UNSUPPORTED_PROTOCOL_VERSION && Array.isArray(error.data?.supported) && error.data.supported.includes(MODERN_VERSION);
}

/** What the IDE's initialize is answered with when the server speaks 2026-07-28 (the IDE keeps its own version). */
export function initializeAnswerFromDiscovery(id: RequestId, ideParams: Json, discovered: Json): JSONRPCMessage {
  const meta = (discovered._meta ?? {}) as Json;
  return {
    jsonrpc: '2.0',
    id,
    result: {
      protocolVersion: typeof ideParams.protocolVersion === 'string' ? ideParams.protocolVersion : '2025-11-25',
      capabilities: discovered.capabilities ?? {},
      serverInfo: meta[SERVER_INFO_META_KEY] ?? { name: 'remote MCP server', version: 'unknown' },
      ...(typeof discovered.instructions === 'string' ? { instructions: discovered.instructions } : {}),
    },
  } as JSONRPCMessage;
}

/** An IDE message as a 2026-07-28 server expects it, or undefined when it has no place there. */
export function toModern(message: JSONRPCMessage, ideParams: Json): JSONRPCMessage | undefined {
  if ('method' in message && message.method === 'notifications/initialized') return undefined; // no lifecycle any more
  if (!('method' in message) || !('id' in message)) return message;
  const params = ((message as { params?: Json }).params ?? {}) as Json;
  const meta = { ...((params._meta ?? {}) as Json), ...modernMeta(ideParams) };
  return { ...message, params: { ...params, _meta: meta } } as JSONRPCMessage;
}

/**
 * A server answer as the IDE can take it. `input_required` results (the 2026 replacement for server-to-client
 * requests) cannot be relayed to a 2025-11-25 IDE yet, so they become an error that says so.
 */
export function fromModern(message: JSONRPCMessage): JSONRPCMessage {
  const result = (message as { result?: Json }).result;
  if (result?.resultType !== 'input_required' || !('id' in message)) return message;
  return {
    jsonrpc: '2.0',
    id: message.id,
    error: {
      code: -32603,
      message: 'The server asked for input from the client (a 2026-07-28 input_required result), which mcp-tether cannot relay to this IDE yet.',
    },
  } as JSONRPCMessage;
}
