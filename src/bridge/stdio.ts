// Newline-delimited JSON-RPC on the IDE's stdin and stdout. Lines of any size are read without re-copying the
// buffer on every chunk; stdout carries nothing but MCP messages.
import type { Readable, Writable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Above this size a message and its newline are written apart: joining them would copy the message once more. */
const JOIN_LIMIT = 64 * 1024;

/** Splits a byte stream into lines, keeping the pieces of an unfinished line until its newline arrives. */
export class LineSplitter {
  private pieces: Buffer[] = [];

  push(chunk: Buffer, onLine: OnLine): void {
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
      deliver(line, onLine);
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pieces.push(chunk.subarray(start));
  }

  /** What is left when the stream ends without a final newline. */
  flush(onLine: OnLine): void {
    if (this.pieces.length === 0) return;
    const line = Buffer.concat(this.pieces);
    this.pieces = [];
    deliver(line, onLine);
  }
}

/** A line as the bytes it came in, without its line ending (decoded by whoever needs its text: a large one may not be). */
export type OnLine = (bytes: Buffer) => void;

function deliver(line: Buffer, onLine: OnLine): void {
  onLine(line.at(-1) === CARRIAGE_RETURN ? line.subarray(0, -1) : line);
}

export function readLines(input: Readable, onLine: OnLine, onEnd: () => void): void {
  const splitter = new LineSplitter();
  input.on('data', (chunk: Buffer | string) => splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, onLine));
  input.on('end', () => {
    splitter.flush(onLine);
    onEnd();
  });
  input.on('error', () => onEnd());
}

/** Writes one message; `json` is its JSON when known already (a large result as the server's bytes, written as they are). */
export function writeMessage(output: Writable, message: unknown, json: string | Uint8Array = JSON.stringify(message)): void {
  if (typeof json === 'string' && json.length <= JOIN_LIMIT) {
    output.write(`${json}\n`);
    return;
  }
  output.write(json);
  output.write('\n');
}

/**
 * Writes messages to the IDE. The first message of a turn of the event loop goes out at once (no added latency);
 * those that follow it in the same turn are joined into one write at the end of the turn, so that a burst (1,000
 * progress notifications from one read) costs a few system calls, not one per message. Order is kept; a large
 * message is written on its own after what waits before it.
 */
export class MessageWriter {
  private pending: string[] = [];
  private size = 0;
  /** A write happened in this turn; the next messages of the turn wait for its end. */
  private busy = false;

  constructor(private readonly output: Writable) {}

  /** `json`: the message's JSON when known already (a large result as the server's bytes): written as it is. */
  write(message: unknown, json: string | Uint8Array = JSON.stringify(message)): void {
    if (typeof json !== 'string' || json.length > JOIN_LIMIT) {
      this.flush();
      writeMessage(this.output, message, json);
      return;
    }
    if (!this.busy) {
      this.busy = true;
      setImmediate(() => this.endOfTurn());
      this.output.write(`${json}\n`);
      return;
    }
    this.pending.push(json);
    this.size += json.length;
    if (this.size > JOIN_LIMIT) this.flush();
  }

  /** Writes what waits now (before the process ends, and before a large message). */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.size = 0;
    this.output.write(text);
  }

  private endOfTurn(): void {
    this.flush();
    this.busy = false;
  }
}
