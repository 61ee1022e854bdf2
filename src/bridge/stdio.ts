// Newline-delimited JSON-RPC on the IDE's stdin and stdout. Lines of any size are read without re-copying the
// buffer on every chunk; stdout carries nothing but MCP messages.
import type { Readable, Writable } from 'node:stream';

const NEWLINE = 0x0a;

/** Splits a byte stream into lines, keeping the pieces of an unfinished line until its newline arrives. */
export class LineSplitter {
  private pieces: Buffer[] = [];

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    let end = chunk.indexOf(NEWLINE, start);
    while (end !== -1) {
      const piece = chunk.subarray(start, end);
      let line: Buffer = piece;
      if (this.pieces.length > 0) {
        this.pieces.push(piece);
        line = Buffer.concat(this.pieces);
        this.pieces = [];
      }
      const text = line.toString('utf8');
      onLine(text.endsWith('\r') ? text.slice(0, -1) : text);
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pieces.push(chunk.subarray(start));
  }

  /** What is left when the stream ends without a final newline. */
  flush(onLine: (line: string) => void): void {
    if (this.pieces.length === 0) return;
    const text = Buffer.concat(this.pieces).toString('utf8');
    this.pieces = [];
    if (text.trim()) onLine(text);
  }
}

export function readLines(input: Readable, onLine: (line: string) => void, onEnd: () => void): void {
  const splitter = new LineSplitter();
  input.on('data', (chunk: Buffer | string) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, onLine));
  input.on('end', () => {
    splitter.flush(onLine);
    onEnd();
  });
  input.on('error', () => onEnd());
}

export function writeMessage(output: Writable, message: unknown): void {
  output.write(`${JSON.stringify(message)}\n`);
}
