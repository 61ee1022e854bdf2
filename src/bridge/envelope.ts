// The envelope of a large message, read from its bytes without decoding or parsing the rest: every member but the
// large ones, and `params` / `result` / `error` one level down.

import type { JSONRPCMessage } from '@modelcontextprotocol/client';

// Why: a message this large is forwarded as its bytes (verbatim.ts, verbatim-results.ts), so the bridge and the SDK
// transport need only its envelope (id, method, params.name, params._meta); decoding and parsing 20 MB cost more
// than the rest of the relay. The receiver parses the whole message, and answers a malformed one itself.

/** Lines from this size on are read as their envelope (the size where verbatim-results.ts takes over, too). */
export const SKIM_FROM_BYTES = 1024 * 1024;
/** A member whose JSON text is at least this long is left out of the envelope. */
export const LARGE_MEMBER_BYTES = 64 * 1024;
/** Members read one level down when they are large: what the bridge and the SDK look at inside a message. */
const READ_INSIDE = new Set(['params', 'result', 'error']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Envelopes handed out, so that whoever needs the whole message (the 2026-07-28 rewrite) knows to parse it. */
const envelopes = new WeakSet<object>();

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (isSpace(bytes[i])) i++;
  return i;
}

/** Just past the string whose opening quote is at `at`; -1 when it does not end. */
function stringEnd(bytes: Buffer, at: number): number {
  let quote = bytes.indexOf(QUOTE, at + 1);
  while (quote !== -1) {
    let slashes = 0;
    for (let k = quote - 1; bytes[k] === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    quote = bytes.indexOf(QUOTE, quote + 1);
  }
  return -1;
}

/** Just past the JSON value that starts at `at`; -1 when it does not end. Strings are skipped natively (indexOf). */
function valueEnd(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = at;
    while (i < bytes.length) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        i = stringEnd(bytes, i);
        if (i === -1) return -1;
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter (JSON.parse judges it).
  let i = at;
  while (i < bytes.length && !isSpace(bytes[i]) && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE && bytes[i] !== CLOSE_BRACKET) i++;
  return i > at ? i : -1;
}

const MALFORMED = Symbol('malformed');

function parseSlice(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    return MALFORMED;
  }
}

/**
 * The members of the object that starts at `at` (after spaces): small ones parsed, large ones left out, or read one
 * level down when `inside` names them. Undefined where the text is not an object this reading can follow.
 */
function readObject(bytes: Buffer, at: number, largeFrom: number, inside: ReadonlySet<string>): { members: Record<string, unknown>; end: number } | undefined {
  const members: Record<string, unknown> = {};
  let i = skipSpace(bytes, at);
  if (bytes[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACE) return { members, end: i + 1 };
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(bytes, i);
    const key = keyEnd === -1 ? MALFORMED : parseSlice(bytes, i, keyEnd);
    if (typeof key !== 'string') return undefined;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    const start = skipSpace(bytes, i + 1);
    const end = valueEnd(bytes, start);
    if (end === -1) return undefined;
    // Later duplicates win, as with JSON.parse; a member defined this way cannot reach the prototype (`__proto__`).
    Reflect.deleteProperty(members, key);
    if (end - start < largeFrom) {
      const value = parseSlice(bytes, start, end);
      if (value === MALFORMED) return undefined;
      Object.defineProperty(members, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (inside.has(key)) {
      const inner = readObject(bytes, start, largeFrom, new Set());
      if (!inner || inner.end !== end) return undefined;
      Object.defineProperty(members, key, { value: inner.members, enumerable: true, writable: true, configurable: true });
    }
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    return bytes[i] === CLOSE_BRACE ? { members, end: i + 1 } : undefined;
  }
}

/**
 * The envelope of the JSON object in `bytes`: its members, large ones left out (`params`, `result` and `error` read
 * one level down instead). Undefined where the text is not a single object this reading can follow: the caller then
 * parses it whole and reports what is wrong.
 */
export function readEnvelope(bytes: Buffer, largeFrom = LARGE_MEMBER_BYTES): Record<string, unknown> | undefined {
  const object = readObject(bytes, 0, largeFrom, READ_INSIDE);
  if (!object || skipSpace(bytes, object.end) !== bytes.length) return undefined;
  envelopes.add(object.members);
  return object.members;
}

/** Whether `message` is an envelope (members left out), not the whole message. */
export function isEnvelope(message: object): boolean {
  return envelopes.has(message);
}

/**
 * The whole message whose envelope was read, parsed from its bytes: for the one path that rewrites messages (MCP
 * 2026-07-28). Its envelope was classified already, so what JSON.parse gives is that message.
 */
export function wholeMessage(bytes: Uint8Array): JSONRPCMessage {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}
