// JSON-RPC as the bridge reads it (pure): what each line from the IDE is classified as, and the readers that take
// members out of untyped JSON without casting.
import { describe, expect, it } from 'vitest';
import { classify, errorResponse, idOf, objectOf, resultOf } from '../../src/bridge/jsonrpc.js';

describe('classify', () => {
  it('tells requests, notifications and responses apart', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toMatchObject({ kind: 'request', id: 1, method: 'tools/list' });
    expect(classify({ jsonrpc: '2.0', method: 'notifications/initialized' })).toMatchObject({ kind: 'notification', method: 'notifications/initialized' });
    expect(classify({ jsonrpc: '2.0', id: 'a', result: {} })).toMatchObject({ kind: 'response', id: 'a' });
    expect(classify({ jsonrpc: '2.0', id: 2, error: { code: -1, message: 'x' } })).toMatchObject({ kind: 'response', id: 2 });
  });

  it('says why a message is invalid, keeping its id when it has a usable one', () => {
    expect(classify([{ jsonrpc: '2.0' }])).toEqual({ kind: 'invalid', id: null, reason: 'batches are not part of MCP' });
    expect(classify('text')).toEqual({ kind: 'invalid', id: null, reason: 'a message must be a JSON object' });
    expect(classify({ jsonrpc: '1.0', id: 3, method: 'x' })).toEqual({ kind: 'invalid', id: 3, reason: '"jsonrpc" must be "2.0"' });
    expect(classify({ jsonrpc: '2.0', id: { x: 1 }, method: 'x' })).toEqual({ kind: 'invalid', id: null, reason: '"id" must be a string or a number' });
    expect(classify({ jsonrpc: '2.0', id: 4, method: 7 })).toEqual({ kind: 'invalid', id: 4, reason: '"method" must be a string' });
    expect(classify({ jsonrpc: '2.0', id: 5, result: {}, error: {} }).kind).toBe('invalid');
    expect(classify({ jsonrpc: '2.0', id: Number.NaN, method: 'x' }).kind).toBe('invalid');
  });
});

describe('readers of untyped JSON', () => {
  it('objectOf gives the object, or an empty one for anything else', () => {
    expect(objectOf({ a: 1 })).toEqual({ a: 1 });
    for (const other of [null, undefined, 'x', 3, [1]]) expect(objectOf(other)).toEqual({});
  });

  it('idOf and resultOf read responses', () => {
    expect(idOf({ id: 'x' })).toBe('x');
    expect(idOf({ id: null })).toBeUndefined();
    expect(resultOf({ result: { tools: [] } })).toEqual({ tools: [] });
    expect(resultOf({ error: { code: 1 } })).toBeUndefined();
  });

  it('errorResponse carries data only when given', () => {
    expect(errorResponse(1, -32000, 'no')).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'no' } });
    expect(errorResponse(null, -32700, 'parse', { code: 'X' })).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse', data: { code: 'X' } } });
  });
});
