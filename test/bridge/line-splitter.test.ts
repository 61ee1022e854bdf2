// Newline-delimited JSON on stdin (pure): lines cut anywhere by the pipe come out whole, CRLF is accepted, a last line
// without a newline is flushed, and the bytes handed on are exactly the line's.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/bridge/stdio.js';

/** The lines handed on, as text (decoded here: the splitter hands on bytes). */
function split(chunks: Array<string | Buffer>, flush = true): string[] {
  const out: string[] = [];
  const splitter = new LineSplitter();
  const onLine = (bytes: Buffer): void => void out.push(bytes.toString('utf8'));
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, onLine);
  if (flush) splitter.flush(onLine);
  return out;
}

describe('LineSplitter', () => {
  it('gives every line of a chunk, in order', () => {
    expect(split(['{"a":1}\n{"b":2}\n'])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('joins a line cut into many pieces, at every possible cut', () => {
    const text = '{"jsonrpc":"2.0","id":1,"method":"x"}\n{"n":2}\n';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(split([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(['{"jsonrpc":"2.0","id":1,"method":"x"}', '{"n":2}']);
    }
  });

  it('keeps a multi-byte character cut between chunks intact', () => {
    const bytes = Buffer.from('{"t":"Grüße 🙂"}\n');
    const at = bytes.indexOf(0xf0) + 2; // inside the emoji
    expect(split([bytes.subarray(0, at), bytes.subarray(at)])[0]).toBe('{"t":"Grüße 🙂"}');
  });

  it('accepts CRLF, and hands on the bytes without the line ending', () => {
    expect(split(['{"a":1}\r\n'])).toEqual(['{"a":1}']);
  });

  it('flushes a last line without a newline only when asked, and gives empty lines as they are', () => {
    expect(split(['{"a":1}\n{"b"', ':2}'], false)).toEqual(['{"a":1}']);
    expect(split(['{"a":1}\n{"b"', ':2}'])).toEqual(['{"a":1}', '{"b":2}']);
    expect(split(['\n\n'])).toEqual(['', '']);
  });

  it('gathers a line over many chunks (past its first buffer) into exactly its bytes and text', () => {
    const line = JSON.stringify({ text: 'ü'.repeat(100_000) + '🙂'.repeat(30_000) });
    const bytes = Buffer.from(`${line}\r\n{"next":1}\n`);
    const chunks: Buffer[] = [];
    for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7) % 65_537 || 1) chunks.push(bytes.subarray(at, at + size));
    expect(chunks.length).toBeGreaterThan(10);
    const out = split(chunks);
    expect(out).toEqual([line, '{"next":1}']);
  });

  it('decodes bytes that are not UTF-8 as a whole-line decode would, wherever the pipe cuts them', () => {
    const bytes = Buffer.concat([Buffer.from('{"t":"a'), Buffer.from([0xf0, 0x9f, 0xff, 0xc3]), Buffer.from('b"}\n')]);
    const whole = bytes.subarray(0, -1).toString('utf8');
    for (let cut = 1; cut < bytes.length - 1; cut++) {
      expect(split([bytes.subarray(0, cut), bytes.subarray(cut, cut + 2), bytes.subarray(cut + 2)])[0], `cut at ${cut}`).toBe(whole);
    }
  });

  it('drops a CR that ends one chunk when the LF starts the next', () => {
    expect(split(['{"a":', '1}\r', '\n{"b":2}\r\n'])).toEqual(['{"a":1}', '{"b":2}']);
  });
});
