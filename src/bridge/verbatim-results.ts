// Large results reach the IDE as the server wrote them. In a POST's event stream, an event carrying a result of
// 1 MiB or more is parsed here and handed to the SDK transport as a small stand-in, which the bridge swaps back.
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { Fetch } from '../http/fetch.js';

/**
 * Why: the SDK would decode and frame the 20 MB event, and the bridge would serialise its result again for stdout
 * (~60 ms together), JSON.stringify rounding numbers the server wrote beyond 2^53. Here the event's JSON is parsed
 * once, as the SDK parses it, and its text goes to the IDE unchanged.
 */
const LARGE = 1024 * 1024;
const STAND_IN_KEY = 'mcp-tether/verbatim-result';
/** Held results the SDK never handed on (a stream cancelled meanwhile) are dropped beyond this many. */
const MAX_HELD = 4;
const LF = 0x0a;
const CR = 0x0d;

type Deserialize = (text: string) => JSONRPCMessage;

interface Held {
  message: JSONRPCMessage;
  text: string;
}

export class VerbatimResults {
  private readonly held = new Map<number, Held>();
  /** The server's own text of a result, for the message the bridge got in its place. */
  private readonly texts = new WeakMap<object, string>();
  private count = 0;

  /** `deserialize` is the SDK's own (JSON.parse and its JSON-RPC schema), so a result is read as the SDK reads it. */
  constructor(private readonly deserialize: Deserialize) {}

  /** The transport's fetch, with the event streams answering POSTs passed through a LargeResultSwap. */
  wrap(fetch: Fetch): Fetch {
    return async (input, init) => {
      const response = await fetch(input, init);
      const isEventStream = response.headers.get('content-type')?.toLowerCase().startsWith('text/event-stream') === true;
      if (init?.method !== 'POST' || !response.ok || !isEventStream || !response.body) return response;
      const body = response.body.pipeThrough(new TransformStream(new LargeResultSwap((text) => this.hold(text))));
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  }

  /** The message the SDK handed on, with a stand-in replaced by the real result (its text kept for `textOf`). */
  resolve(message: JSONRPCMessage): JSONRPCMessage {
    const key = (message as { result?: Record<string, unknown> }).result?.[STAND_IN_KEY];
    if (typeof key !== 'number') return message;
    const held = this.held.get(key);
    this.held.delete(key);
    if (!held) throw new Error('mcp-tether lost a result it was passing on; please report this');
    const id = (message as { id?: unknown }).id;
    // The SDK renumbers a result replayed on a resumed stream: the server's text then no longer fits.
    if (id !== (held.message as { id?: unknown }).id) return { ...held.message, id } as JSONRPCMessage;
    this.texts.set(held.message, held.text);
    return held.message;
  }

  /** The server's text of `message` when it is a large result passed on unchanged. */
  textOf(message: unknown): string | undefined {
    return typeof message === 'object' && message !== null ? this.texts.get(message) : undefined;
  }

  /** Parses an event's data; a result comes back as the data of its stand-in, anything else as undefined. */
  private hold(text: string): string | undefined {
    let message: JSONRPCMessage;
    try {
      message = this.deserialize(text);
    } catch {
      return undefined; // the SDK reads it again, and reports it
    }
    const id = (message as { id?: unknown }).id;
    if (!('result' in message) || 'method' in message || id === undefined) return undefined;
    const key = ++this.count;
    this.held.set(key, { message, text });
    for (const old of this.held.keys()) {
      if (this.held.size <= MAX_HELD) break;
      this.held.delete(old);
    }
    return JSON.stringify({ jsonrpc: '2.0', id, result: { [STAND_IN_KEY]: key } });
  }
}

/**
 * Server-sent events, split at blank lines on the bytes (text/event-stream, HTML "event stream interpretation"):
 * small events pass as they came; an event of LARGE bytes or more whose only data line holds a result has that line
 * replaced. A stream with a CR anywhere is passed through untouched from there on (its lines may end otherwise).
 */
class LargeResultSwap {
  private pieces: Uint8Array[] = [];
  private length = 0;
  private untouched = false;

  constructor(private readonly standIn: (data: string) => string | undefined) {}

  transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>): void {
    if (!this.untouched && chunk.includes(CR)) {
      this.untouched = true;
      this.flush(controller);
    }
    if (this.untouched) {
      controller.enqueue(chunk);
      return;
    }
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    // An event ends with an empty line: LF LF, whose first LF may end the previous chunk.
    let stop = this.length > 0 && this.lastByte() === LF && bytes[0] === LF ? 1 : eventEnd(bytes, 0);
    while (stop !== -1) {
      this.pieces.push(bytes.subarray(start, stop));
      this.length += stop - start;
      this.emit(controller);
      start = stop;
      stop = eventEnd(bytes, start);
    }
    if (start < bytes.length) {
      this.pieces.push(bytes.subarray(start));
      this.length += bytes.length - start;
    }
  }

  flush(controller: TransformStreamDefaultController<Uint8Array>): void {
    for (const piece of this.pieces) controller.enqueue(piece);
    this.pieces = [];
    this.length = 0;
  }

  private lastByte(): number | undefined {
    const last = this.pieces.at(-1);
    return last?.[last.length - 1];
  }

  /** Passes on the event just completed, its result line swapped for a stand-in when it is a large result. */
  private emit(controller: TransformStreamDefaultController<Uint8Array>): void {
    if (this.length < LARGE) {
      this.flush(controller);
      return;
    }
    const event = Buffer.concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    controller.enqueue(swapped(event, this.standIn) ?? event);
  }
}

/** Where the event that goes on at `from` ends (just past its LF LF), or -1 when it goes on past this chunk. */
function eventEnd(bytes: Buffer, from: number): number {
  const at = bytes.indexOf('\n\n', from);
  return at === -1 ? -1 : at + 2;
}

/** The event with its single data line replaced by a stand-in's, or undefined when it is not a plain message event. */
function swapped(event: Buffer, standIn: (data: string) => string | undefined): Uint8Array | undefined {
  const lines = event.toString('utf8').split('\n');
  let dataLine = -1;
  for (const [index, line] of lines.entries()) {
    if (line === '' || line.startsWith(':') || line.startsWith('id:') || line.startsWith('retry:')) continue;
    if (line.startsWith('event:')) {
      if (fieldValue(line, 'event:') !== 'message') return undefined;
    } else if (line.startsWith('data:') && dataLine === -1) dataLine = index;
    else return undefined; // a second data line, or a field the SDK might read
  }
  const line = lines[dataLine];
  if (line === undefined) return undefined;
  const replacement = standIn(fieldValue(line, 'data:'));
  if (replacement === undefined) return undefined;
  lines[dataLine] = `data: ${replacement}`;
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** A field's value: what follows its name and colon, less one leading space. */
function fieldValue(line: string, name: string): string {
  return line.startsWith(' ', name.length) ? line.slice(name.length + 1) : line.slice(name.length);
}
