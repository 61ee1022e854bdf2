// MCP 2026-07-28 ("stateless") on the server side while the IDE speaks the 2025-11-25 lifecycle: the IDE's
// initialize becomes `server/discover`, and every request carries the protocol version and the IDE's capabilities
// in `_meta` (the SDK transport derives the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers from it).
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResultResponse } from '@modelcontextprotocol/client';
import { objectOf, resultOf, type Json, type RequestId } from './jsonrpc.js';
import { LIFECYCLE_PROTOCOL_VERSION } from '../protocol.js';

export const MODERN_VERSION = '2026-07-28';
const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO_META_KEY = 'io.modelcontextprotocol/clientInfo';
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
/** -32022: the server does not support the requested protocol version (data.supported lists what it does). */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;


/** The per-request `_meta` a 2026-07-28 server needs, built from the IDE's initialize parameters. */
export function modernMeta(ideParams: Json): Json {
  return {
    [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION,
    [CLIENT_CAPABILITIES_META_KEY]: ideParams.capabilities ?? {},
    ...(ideParams.clientInfo ? { [CLIENT_INFO_META_KEY]: ideParams.clientInfo } : {}),
  };
}

export function discoverRequest(id: RequestId, ideParams: Json): JSONRPCRequest {
  return { jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: modernMeta(ideParams) } };
}

/** The discover answer, when it shows a server that speaks 2026-07-28. */
export function modernDiscovery(answer: JSONRPCMessage): Json | undefined {
  const result = resultOf(answer);
  const versions = result?.supportedVersions;
  return Array.isArray(versions) && versions.includes(MODERN_VERSION) ? result : undefined;
}

/** A -32022 answer whose `data.supported` includes the version mcp-tether asked for. */
export function rejectedButSupported(answer: JSONRPCMessage): boolean {
  const error = objectOf(objectOf(answer).error);
  const supported = objectOf(error.data).supported;
  return error.code === UNSUPPORTED_PROTOCOL_VERSION && Array.isArray(supported) && supported.includes(MODERN_VERSION);
}

/** What the IDE's initialize is answered with when the server speaks 2026-07-28 (the IDE keeps its own version). */
export function initializeAnswerFromDiscovery(id: RequestId, ideParams: Json, discovered: Json): JSONRPCResultResponse {
  const meta = objectOf(discovered._meta);
  return {
    jsonrpc: '2.0',
    id,
    result: {
      protocolVersion: typeof ideParams.protocolVersion === 'string' ? ideParams.protocolVersion : LIFECYCLE_PROTOCOL_VERSION,
      capabilities: discovered.capabilities ?? {},
      serverInfo: meta[SERVER_INFO_META_KEY] ?? { name: 'remote MCP server', version: 'unknown' },
      ...(typeof discovered.instructions === 'string' ? { instructions: discovered.instructions } : {}),
    },
  };
}

/** An IDE message as a 2026-07-28 server expects it, or undefined when it has no place there. */
export function toModern(message: JSONRPCMessage, ideParams: Json): JSONRPCMessage | undefined {
  if ('method' in message && message.method === 'notifications/initialized') return undefined; // no lifecycle any more
  if (!('method' in message) || !('id' in message)) return message;
  const params = objectOf(objectOf(message).params);
  const meta = { ...objectOf(params._meta), ...modernMeta(ideParams) };
  return { ...message, params: { ...params, _meta: meta } } as JSONRPCMessage;
}

// --- SEP-2243: tool parameters mirrored into Mcp-Param-* headers ---

interface HeaderDeclaration {
  path: string[];
  header: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The x-mcp-header declarations of a tool's input schema, or a reason why the tool must be left out. */
export function headerDeclarations(schema: unknown): HeaderDeclaration[] | string {
  const found: HeaderDeclaration[] = [];
  const seen = new Map<string, string>();
  const walk = (node: unknown, path: string[]): string | undefined => {
    const properties = objectOf(node).properties;
    if (!properties || typeof properties !== 'object') return undefined;
    for (const [name, property] of Object.entries(properties)) {
      const declared = objectOf(property)['x-mcp-header'];
      if (declared !== undefined) {
        if (typeof declared !== 'string' || !TOKEN.test(declared)) return `x-mcp-header of ${[...path, name].join('.')} is not a valid header name`;
        const type = objectOf(property).type;
        // SEP-2243: string, integer or boolean only (a number's text form is not canonical).
        if (type !== 'string' && type !== 'integer' && type !== 'boolean') return `x-mcp-header on ${[...path, name].join('.')} needs a string, integer or boolean property`;
        const key = declared.toLowerCase();
        if (seen.has(key)) return `x-mcp-header "${declared}" is declared twice`;
        seen.set(key, declared);
        found.push({ path: [...path, name], header: declared });
      }
      const inner = walk(property, [...path, name]);
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(schema, []) ?? found;
}

/** A header value as SEP-2243 carries it: plain when safe, else =?base64?...?= (UTF-8). */
export function encodeParamValue(value: string): string {
  const safe = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) || value === '';
  return safe ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

export function paramHeaders(declarations: HeaderDeclaration[], args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { path, header } of declarations) {
    let value: unknown = args;
    for (const key of path) value = objectOf(value)[key];
    if (value === undefined || value === null || typeof value === 'object') continue;
    headers[`Mcp-Param-${header}`] = encodeParamValue(String(value));
  }
  return headers;
}

// --- SEP-2322: input_required results relayed as server-to-client requests to the IDE ---

export interface InputRequired {
  inputRequests: Record<string, { method: string; params?: unknown }>;
  requestState?: string;
}

export function inputRequired(message: JSONRPCMessage): InputRequired | undefined {
  const result = resultOf(message);
  if (result?.resultType !== 'input_required' || typeof result.inputRequests !== 'object' || result.inputRequests === null) return undefined;
  return {
    inputRequests: result.inputRequests as InputRequired['inputRequests'],
    ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}),
  };
}

/** The original request again, carrying the IDE's answers and the server's state, under a new id. */
export function continuation(original: JSONRPCMessage, id: RequestId, responses: Record<string, unknown>, requestState: string | undefined): JSONRPCMessage {
  const params = objectOf(objectOf(original).params);
  return { ...original, id, params: { ...params, inputResponses: responses, ...(requestState === undefined ? {} : { requestState }) } } as JSONRPCMessage;
}
