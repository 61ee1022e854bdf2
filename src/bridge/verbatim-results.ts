// Large results reach the IDE as the server wrote them. In a POST's event stream, an event carrying a result of
// 1 MiB or more is read as its envelope (envelope.ts) and handed to the SDK transport as a small stand-in, which the
// transport swaps back; the bridge writes the server's bytes to the IDE.
import { isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/client';
import type { Fetch } from '../http/fetch.js';
import { mediaType } from '../http/media-type.js';
import { messageOf } from '../errors.js';
import { readEnvelope } from './envelope.js';
import { idOf, INTERNAL_ERROR, type RequestId } from './jsonrpc.js';

/**
 * Why: the SDK would decode and parse the 20 MB event, and the bridge would serialise its result again for stdout
 * (three copies of 20 MB, each slower than the network), JSON.stringify rounding numbers the server wrote beyond
 * 2^53. Here only the event's envelope is read (id, and the result's small members), and its bytes go to the IDE.
 * The large members are not checked on the way: a server that breaks JSON inside one has the IDE report it, as it
 * would without mcp-tether.
 */
const LARGE = 1024 * 1024;
const STAND_IN_KEY = 'mcp-tether/verbatim-result';
/** Held results the SDK never handed on (a stream cancelled meanwhile) are dropped beyond this many. */
const MAX_HELD = 4;
const LF = 0x0a;
const CR = 0x0d;

type Deserialize = (text: string) => JSONRPCMessage;

interface Held {
  /** The result's envelope: its id and small members (the rest is in `bytes`). */
  message: JSONRPCMessage;
  bytes: Buffer;
}

export class VerbatimResults {
  private readonly held = new Map<number, Held>();
  /** The server's own bytes of a result, for the envelope the bridge got in its place. */
  private readonly raw = new WeakMap<object, Buffer>();
  private count = 0;

  /** `deserialize` is the SDK's own (JSON.parse and its JSON-RPC schema), for a result that must be read whole. */
  constructor(private readonly deserialize: Deserialize) {}

  /** The transport's fetch, with the event streams answering POSTs passed through a LargeResultSwap. */
  wrap(fetch: Fetch): Fetch {
    return async (input, init) => {
      const response = await fetch(input, init);
      const isEventStream = mediaType(response.headers.get('content-type')) === 'text/event-stream';
      if (init?.method !== 'POST' || !response.ok || !isEventStream || !response.body) return response;
      const swap = this.eventSwap();
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, controller) => swap.push(chunk, (bytes) => controller.enqueue(bytes)),
          flush: (controller) => swap.end((bytes) => controller.enqueue(bytes)),
        }),
      );
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  }

  /** A fresh reader of one event stream's bytes that swaps each large result event for its stand-in (see `wrap`). */
  eventSwap(): LargeResultSwap {
    return new LargeResultSwap((data) => this.hold(data));
  }

  /**
   * The message the SDK handed on, with a stand-in replaced by the result's envelope (its bytes kept for `bytesOf`;
   * envelope.ts's `wholeMessage` reads it whole where something must).
   */
  resolve(message: JSONRPCMessage): JSONRPCMessage {
    if (!isJSONRPCResultResponse(message)) return message;
    const key = message.result[STAND_IN_KEY];
    if (typeof key !== 'number') return message;
    const held = this.held.get(key);
    this.held.delete(key);
    if (!held) throw new Error('mcp-tether lost a result it was passing on; please report this');
    // The SDK renumbers a result replayed on a resumed stream: the server's bytes then no longer fit.
    if (message.id !== idOf(held.message)) return this.renumbered(held.bytes, message.id);
    this.raw.set(held.message, held.bytes);
    return held.message;
  }

  /** A held result read whole under the id the SDK gave it; one that cannot be read becomes an error for that id. */
  private renumbered(bytes: Buffer, id: RequestId): JSONRPCMessage {
    try {
      return { ...this.deserialize(bytes.toString('utf8')), id } as JSONRPCMessage;
    } catch (error) {
      return { jsonrpc: '2.0', id, error: { code: INTERNAL_ERROR, message: `mcp-tether: the server's answer is not a JSON-RPC message (${messageOf(error)}).` } };
    }
  }

  /** The server's bytes of `message` when it is a large result passed on unchanged. */
  bytesOf(message: unknown): Buffer | undefined {
    return typeof message === 'object' && message !== null ? this.raw.get(message) : undefined;
  }

  /** Reads an event's data; a result comes back as the data of its stand-in, anything else as undefined. */
  private hold(data: Buffer): string | undefined {
    const envelope = readEnvelope(data);
    // Not a result this reading can follow: the SDK reads it whole, and reports what is wrong with it.
    if (!envelope || !isJSONRPCResultResponse(envelope)) return undefined;
    const key = ++this.count;
    this.held.set(key, { message: envelope, bytes: data });
    for (const old of this.held.keys()) {
      if (this.held.size <= MAX_HELD) break;
      this.held.delete(old);
    }
    return JSON.stringify({ jsonrpc: '2.0', id: envelope.id, result: { [STAND_IN_KEY]: key } });
  }
}

/**
 * Server-sent events, split at blank lines on the bytes (text/event-stream, HTML "event stream interpretation"):
 * small events pass as they came; an event of LARGE bytes or more whose only data line holds a result has that line
 * replaced. A stream with a CR anywhere is passed through untouched from there on (its lines may end otherwise).
 */
type Emit = (bytes: Uint8Array) => void;

export class LargeResultSwap {
  private pieces: Uint8Array[] = [];
  private length = 0;
  private untouched = false;

  constructor(private readonly standIn: (data: Buffer) => string | undefined) {}

  /** Takes the stream's next chunk; `emit` gets the bytes to pass on, events whole or swapped. */
  push(chunk: Uint8Array, emit: Emit): void {
    if (!this.untouched && chunk.includes(CR)) {
      this.untouched = true;
      this.end(emit);
    }
    if (this.untouched) {
      emit(chunk);
      return;
    }
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    // An event ends with an empty line: LF LF, whose first LF may end the previous chunk.
    let stop = this.length > 0 && this.lastByte() === LF && bytes[0] === LF ? 1 : eventEnd(bytes, 0);
    while (stop !== -1) {
      this.pieces.push(bytes.subarray(start, stop));
      this.length += stop - start;
      this.emitEvent(emit);
      start = stop;
      stop = eventEnd(bytes, start);
    }
    if (start < bytes.length) {
      this.pieces.push(bytes.subarray(start));
      this.length += bytes.length - start;
    }
  }

  /** Passes on what is held (the stream ended, or turned out to use CRs). */
  end(emit: Emit): void {
    for (const piece of this.pieces) emit(piece);
    this.pieces = [];
    this.length = 0;
  }

  private lastByte(): number | undefined {
    const last = this.pieces.at(-1);
    return last?.[last.length - 1];
  }

  /** Passes on the event just completed, its result line swapped for a stand-in when it is a large result. */
  private emitEvent(emit: Emit): void {
    if (this.length < LARGE) {
      this.end(emit);
      return;
    }
    const event = Buffer.concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    emit(swapped(event, this.standIn) ?? event);
  }
}

/** Where the event that goes on at `from` ends (just past its LF LF), or -1 when it goes on past this chunk. */
function eventEnd(bytes: Buffer, from: number): number {
  const at = bytes.indexOf('\n\n', from);
  return at === -1 ? -1 : at + 2;
}

/**
 * The event with its single data line replaced by a stand-in's, or undefined when it is not a plain message event.
 * Read on the bytes: only the few field names are looked at, never the data's text.
 */
function swapped(event: Buffer, standIn: (data: Buffer) => string | undefined): Uint8Array | undefined {
  let data: { start: number; end: number } | undefined;
  for (let start = 0; start < event.length; ) {
    const newline = event.indexOf(LF, start);
    const end = newline === -1 ? event.length : newline;
    const field = fieldOf(event, start, end);
    if (field === 'data') {
      if (data) return undefined; // a second data line: not one message
      data = { start, end };
    } else if (field === 'event') {
      if (event.toString('utf8', valueStart(event, start, 'event'), end) !== 'message') return undefined;
    } else if (field !== 'comment' && field !== 'blank' && field !== 'id' && field !== 'retry') return undefined; // a field the SDK might read
    start = end + 1;
  }
  if (!data) return undefined;
  const replacement = standIn(event.subarray(valueStart(event, data.start, 'data'), data.end));
  if (replacement === undefined) return undefined;
  return Buffer.concat([event.subarray(0, data.start), Buffer.from(`data: ${replacement}`, 'utf8'), event.subarray(data.end)]);
}

type Field = 'data' | 'event' | 'id' | 'retry' | 'comment' | 'blank' | 'other';

/** Which field the line from `start` to `end` holds (HTML "event stream interpretation"). */
function fieldOf(event: Buffer, start: number, end: number): Field {
  if (start === end) return 'blank';
  if (event[start] === 0x3a) return 'comment';
  for (const name of ['data', 'event', 'id', 'retry'] as const) {
    if (end - start > name.length && event.toString('latin1', start, start + name.length + 1) === `${name}:`) return name;
  }
  return 'other';
}

/** Where a field's value starts: after its name and colon, less one leading space. */
function valueStart(event: Buffer, lineStart: number, name: string): number {
  const after = lineStart + name.length + 1;
  return event[after] === 0x20 ? after + 1 : after;
}
