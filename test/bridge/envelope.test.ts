// The envelope of a large IDE message (pure): what JSON.parse would give for every member but the large ones, which
// are left out (params / result / error read one level down); anything it cannot follow is left to JSON.parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEnvelope, readEnvelope, wholeMessage } from '../../src/bridge/envelope.js';

const read = (text: string, largeFrom?: number): Record<string, unknown> | undefined => readEnvelope(Buffer.from(text), largeFrom);

describe('readEnvelope', () => {
  it('keeps the id, method and tool name of a call whose argument is large, and leaves the argument out', () => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'upload', arguments: { data: 'x'.repeat(200_000) }, _meta: { progressToken: 'p1' } } });
    const envelope = read(text);
    expect(envelope).toEqual({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'upload', _meta: { progressToken: 'p1' } } });
    expect(envelope && isEnvelope(envelope)).toBe(true);
    expect(wholeMessage(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it('keeps a large response a response (its result is read one level down)', () => {
    const text = `{"jsonrpc":"2.0","id":"s-1","result":{"content":[{"type":"text","text":"${'y'.repeat(100_000)}"}],"isError":false}}`;
    expect(read(text)).toEqual({ jsonrpc: '2.0', id: 's-1', result: { isError: false } });
  });

  it('follows escaped quotes and backslashes inside strings, and any spacing', () => {
    const text = ' {\r\n "id" : 1 ,\t"method":"tools/call", "params" : {"name":"a\\"b\\\\", "arguments":{"s":"\\\\\\"}\\\\"}} , "jsonrpc":"2.0" } ';
    expect(read(text, 13)).toEqual({ id: 1, method: 'tools/call', params: { name: 'a"b\\' }, jsonrpc: '2.0' });
    expect(read(text)).toEqual(JSON.parse(text));
  });

  it('takes the last of duplicate members, as JSON.parse does, and never a prototype', () => {
    expect(read('{"id":1,"id":2}')).toEqual({ id: 2 });
    expect(read(`{"id":1,"id":"${'z'.repeat(100)}"}`, 50)).toEqual({}); // the later one is large: left out, not the earlier
    const envelope = read('{"__proto__":{"polluted":true},"id":1}');
    expect(Object.getPrototypeOf(envelope)).toBe(Object.prototype);
    expect(Object.hasOwn(envelope ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives up on what it cannot follow, so that JSON.parse reports it', () => {
    for (const text of ['', '[]', '"x"', '{"id":1', '{"id":1,}', '{"id" 1}', '{"id":1}x', '{"a":"unterminated}', '{"a":[1,2}', '{"a":tru}', `{"params":"${'p'.repeat(100)}"}`]) {
      expect(read(text, 50), text).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on any object when nothing counts as large', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (value, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 2 : undefined);
        expect(read(text, Number.POSITIVE_INFINITY)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out exactly the members at least `largeFrom` long, on any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }).filter((key) => !['params', 'result', 'error'].includes(key)), fc.jsonValue({ maxDepth: 2 })), fc.integer({ min: 1, max: 40 }), (value, largeFrom) => {
        const text = JSON.stringify(value);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const expected = Object.fromEntries(Object.entries(parsed).filter(([, member]) => JSON.stringify(member).length < largeFrom));
        expect(read(text, largeFrom)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
