// JSON-RPC 2.0 shapes as the bridge needs them: classify a parsed line, and build error responses.
import type { JSONRPCMessage } from '@modelcontextprotocol/client';

// The JSON-RPC 2.0 error codes (section 5.1), as the SDK exports them too: declared here so that the bridge's static
// imports do not pull the SDK into the start-up path (the proxy loads it in parallel with the keychain read).
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** Implementation-defined server error (JSON-RPC 2.0 section 5.1): the remote server could not be reached or authorized. */
export const UPSTREAM_ERROR = -32000;

export type RequestId = string | number;

export type Classified =
  | { kind: 'request'; id: RequestId; method: string; message: JSONRPCMessage }
  | { kind: 'notification'; method: string; message: JSONRPCMessage }
  | { kind: 'response'; id: RequestId; message: JSONRPCMessage }
  | { kind: 'invalid'; id: RequestId | null; reason: string };

const isId = (value: unknown): value is RequestId => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

export function classify(value: unknown): Classified {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', id: null, reason: Array.isArray(value) ? 'batches are not part of MCP' : 'a message must be a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const id = isId(record.id) ? record.id : null;
  if (record.jsonrpc !== '2.0') return { kind: 'invalid', id, reason: '"jsonrpc" must be "2.0"' };
  const message = value as JSONRPCMessage;
  if (typeof record.method === 'string') {
    if ('id' in record) {
      return id === null ? { kind: 'invalid', id: null, reason: '"id" must be a string or a number' } : { kind: 'request', id, method: record.method, message };
    }
    return { kind: 'notification', method: record.method, message };
  }
  if ('method' in record) return { kind: 'invalid', id, reason: '"method" must be a string' };
  if (('result' in record) !== ('error' in record) && id !== null) return { kind: 'response', id, message };
  return { kind: 'invalid', id, reason: 'neither a request, a notification nor a response' };
}

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } };
}

export type Json = Record<string, unknown>;

/** `value` as a JSON object, or an empty one: reads untyped JSON without casting it. */
export function objectOf(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** The id of a request or response, if the message has one. */
export function idOf(message: unknown): RequestId | undefined {
  const id = objectOf(message).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The `result` object of a response, if it is a result. */
export function resultOf(message: unknown): Json | undefined {
  const result = objectOf(message).result;
  return typeof result === 'object' && result !== null ? objectOf(result) : undefined;
}
