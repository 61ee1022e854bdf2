// Property-based fuzzing (fast-check, fixed seed, bounded runs) of what reads input a server or an IDE controls: the
// WWW-Authenticate parser, the stdin line splitter, JSON-RPC classification, the event-stream swap of large results,
// and discovery document validation. Each takes arbitrary input and throws nothing but coded errors.
// TETHER_FUZZ_SEED and TETHER_FUZZ_RUNS replay or widen a run.
import { deserializeMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenges, bearerChallenge } from '../src/auth/challenge.js';
import { processAuthorizationServerMetadataResponse, processResourceMetadataResponse, resourceMatches } from '../src/auth/discovery.js';
import { classify } from '../src/bridge/jsonrpc.js';
import { LineSplitter } from '../src/bridge/stdio.js';
import { VerbatimResults } from '../src/bridge/verbatim-results.js';
import { TetherError } from '../src/errors.js';

const seed = Number(process.env.TETHER_FUZZ_SEED ?? 20261201);
const numRuns = Number(process.env.TETHER_FUZZ_RUNS ?? 300);
fc.configureGlobal({ seed, numRuns });

/** Arbitrary text with the characters that matter to each parser over-represented. */
const noisy = (alphabet: string): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 60 }));

/** Cut points for a buffer of `length` bytes: the pieces a pipe or a socket may deliver it in. */
function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const ends = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].filter((cut) => cut > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const end of [...ends, bytes.length]) {
    if (end > start) out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}

describe('WWW-Authenticate', () => {
  it('any header parses without throwing, into lowercased schemes and string parameters', () => {
    fc.assert(
      fc.property(noisy('Bearer realm="x\\", scope=resource_metadata error=,=" \t'), (header) => {
        for (const challenge of parseChallenges(header)) {
          expect(challenge.scheme).toBe(challenge.scheme.toLowerCase());
          expect(challenge.scheme.length).toBeGreaterThan(0);
          for (const [name, value] of Object.entries(challenge.params)) {
            expect(name).toBe(name.toLowerCase());
            expect(typeof value).toBe('string');
          }
        }
        // As a fetch Response carries it: header values hold visible ASCII, space and tab only.
        const printable = header.replace(/[^\t\x20-\x7e]/g, '');
        const bearer = bearerChallenge({ headers: new Headers(printable ? { 'www-authenticate': printable } : {}) });
        for (const value of Object.values(bearer)) expect(typeof value).toBe('string');
      }),
    );
  });

  it('reads back every parameter of well-formed challenges, quoted with escapes or bare, whatever its name', () => {
    const name = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Scope'));
    const value = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', '"', '\\', ',', '=', '/', ':', '.'), maxLength: 30 });
    const params = fc.uniqueArray(fc.tuple(name, value), { selector: ([key]) => key.toLowerCase(), minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('Bearer', 'DPoP', 'Basic'), params), { minLength: 1, maxLength: 3 }), (challenges) => {
        const header = challenges
          .map(([scheme, list]) => `${scheme} ${list.map(([key, text]) => `${key}="${text.replace(/["\\]/g, '\\$&')}"`).join(', ')}`)
          .join(', ');
        const parsed = parseChallenges(header);
        expect(parsed.map((challenge) => challenge.scheme)).toEqual(challenges.map(([scheme]) => scheme.toLowerCase()));
        for (const [index, [, list]] of challenges.entries()) {
          expect(Object.entries(parsed[index]?.params ?? {})).toEqual(list.map(([key, text]) => [key.toLowerCase(), text]));
        }
      }),
    );
  });
});

describe('stdin lines', () => {
  it('come out whole and in order, CRLF or LF, however the pipe cuts them', () => {
    const line = fc.string({ unit: fc.oneof(fc.constantFrom('{', '"', 'é', '🙂', '\r', ' '), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 80 }).map((text) => text.replace(/\n/g, ''));
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), (lines, cuts, finalNewline) => {
        const text = lines.map(([content, crlf], index) => `${content}${index < lines.length - 1 || finalNewline ? (crlf ? '\r\n' : '\n') : ''}`).join('');
        const splitter = new LineSplitter();
        const seen: string[] = [];
        const onLine = (bytes: Buffer): void => {
          seen.push(bytes.toString('utf8'));
        };
        for (const piece of pieces(Buffer.from(text), cuts)) splitter.push(piece, onLine);
        splitter.flush(onLine);
        // The model: every LF ends a line, one CR before it is part of the line ending, and a last line without a
        // newline is delivered when it holds anything.
        const parts = text.split('\n');
        const last = parts.pop() ?? '';
        const expected = [...parts, ...(last === '' ? [] : [last])].map((part) => (part.endsWith('\r') ? part.slice(0, -1) : part));
        expect(seen).toEqual(expected);
      }),
    );
  });
});

describe('JSON-RPC classification', () => {
  it('any JSON value is classified without throwing, and what it calls a request or a response really is one', () => {
    const id = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.constant(null), fc.boolean());
    const shaped = fc.record(
      { jsonrpc: fc.constantFrom('2.0', '1.0', 2), id, method: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), result: fc.jsonValue(), error: fc.jsonValue() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), shaped, fc.anything()), (value) => {
        const classified = classify(value);
        if (classified.kind === 'invalid') {
          expect(typeof classified.reason).toBe('string');
          return;
        }
        const record = value as Record<string, unknown>;
        expect(record.jsonrpc).toBe('2.0');
        if (classified.kind === 'request' || classified.kind === 'notification') expect(typeof record.method).toBe('string');
        if (classified.kind === 'request' || classified.kind === 'response') {
          expect(classified.id).toBe(record.id);
          expect(typeof classified.id === 'string' || Number.isFinite(classified.id)).toBe(true);
        }
        if (classified.kind === 'response') expect('result' in record !== 'error' in record).toBe(true);
      }),
    );
  });
});

describe('event streams answering a POST', () => {
  /** What the SDK transport reads once the swap has run over `stream`, delivered in the given pieces. */
  async function through(results: VerbatimResults, stream: Buffer, cuts: number[]): Promise<Buffer> {
    const chunks = pieces(stream, cuts);
    const origin = async (): Promise<Response> => {
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const piece = chunks[next++];
          if (piece) controller.enqueue(new Uint8Array(piece));
          else controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const response = await results.wrap(origin)('http://127.0.0.1/mcp', { method: 'POST' });
    return Buffer.from(await response.arrayBuffer());
  }

  it('any byte stream of small events passes byte for byte, however it is cut', async () => {
    const event = fc.oneof(
      fc.string({ unit: fc.constantFrom('d', 'a', 't', ':', ' ', '\n', '\r', '{', '}', 'é'), maxLength: 60 }),
      fc.jsonValue().map((value) => `data: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: value })}\n\n`),
      fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), async (events, cuts) => {
        const stream = Buffer.from(events.join(''), 'latin1');
        expect((await through(new VerbatimResults(deserializeMessage), stream, cuts)).equals(stream)).toBe(true);
      }),
    );
  });

  it('a large result among arbitrary small events becomes a stand-in that resolves to it, however the stream is cut', async () => {
    const big = `{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"${'x'.repeat(1024 * 1024)}"}]}}`;
    const small = fc.oneof(
      fc.constantFrom(': keep-alive\n\n', 'retry: 10\n\n', 'id: 9\n\n'),
      fc.jsonValue().map((value) => `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { data: value } })}\n\n`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(small, { maxLength: 4 }), fc.array(small, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), async (before, after, cuts) => {
        const stream = Buffer.from(`${before.join('')}data: ${big}\n\n${after.join('')}`);
        const results = new VerbatimResults(deserializeMessage);
        const seen = (await through(results, stream, cuts)).toString('utf8');
        expect(seen.startsWith(before.join(''))).toBe(true);
        expect(seen.endsWith(after.join(''))).toBe(true);
        const standIn = /^data: (.*)$/m.exec(seen.slice(before.join('').length))?.[1] ?? '';
        const message = results.resolve(JSON.parse(standIn) as JSONRPCMessage);
        expect(results.bytesOf(message)?.toString('utf8') === big).toBe(true);
      }),
      { numRuns: Math.min(numRuns, 25) },
    );
  });
});

describe('discovery documents', () => {
  const SERVER = new URL('https://mcp.example.com/mcp');
  const ISSUER = 'https://id.example.com';
  const url = fc.oneof(fc.webUrl(), fc.constantFrom('https://id.example.com', 'https://mcp.example.com/mcp', 'http://169.254.169.254/', 'not a url', '', 'javascript:alert(1)'));
  const field = fc.oneof(url, fc.jsonValue(), fc.array(url, { maxLength: 3 }));
  const endpoints = {
    authorization_endpoint: field,
    token_endpoint: field,
    registration_endpoint: field,
    revocation_endpoint: field,
    device_authorization_endpoint: field,
    authorization_servers: field,
    scopes_supported: field,
  };
  // Mostly documents that name this server and this issuer, so that validation goes past the first check.
  const document = fc.oneof(
    fc.record(
      { resource: fc.oneof(fc.constantFrom(SERVER.href, `${SERVER.href}/`, 'https://mcp.example.com'), field), issuer: fc.oneof(fc.constantFrom(ISSUER, `${ISSUER}/`, 'https://id.example.com.evil'), field), ...endpoints },
      { requiredKeys: [] },
    ),
    fc.jsonValue(),
  );
  const body = fc.oneof(document.map((value) => JSON.stringify(value)), fc.string({ maxLength: 100 }));
  const status = fc.constantFrom(200, 200, 200, 201, 301, 404, 500, 503);

  /** Resolves, or rejects with a TetherError: anything else is a bug. */
  async function onlyCoded(work: () => Promise<unknown>): Promise<unknown> {
    try {
      return await work();
    } catch (error) {
      expect(error).toBeInstanceOf(TetherError);
      return undefined;
    }
  }

  it('any protected resource metadata answer is accepted only for this server and with an authorization server, else refused with a code', async () => {
    await fc.assert(
      fc.asyncProperty(status, body, async (code, text) => {
        const response = new Response(text, { status: code, headers: { 'content-type': 'application/json' } });
        const metadata = (await onlyCoded(() => processResourceMetadataResponse(response, new URL('https://mcp.example.com/.well-known/oauth-protected-resource'), SERVER))) as
          | { resource: string; authorization_servers: unknown[] }
          | undefined;
        if (metadata === undefined) return;
        expect(resourceMatches(metadata.resource, SERVER)).toBe(true);
        expect(typeof metadata.authorization_servers[0]).toBe('string');
      }),
    );
  });

  it('any authorization server metadata answer is accepted only for the issuer, with every endpoint a secure URL, else refused with a code', async () => {
    await fc.assert(
      fc.asyncProperty(status, body, fc.boolean(), async (code, text, legacy) => {
        const response = new Response(text, { status: code, headers: { 'content-type': 'application/json' } });
        const metadata = (await onlyCoded(() =>
          processAuthorizationServerMetadataResponse(response, new URL(`${ISSUER}/.well-known/oauth-authorization-server`), ISSUER, { legacy, allowHttp: false }),
        )) as Record<string, unknown> | undefined;
        if (metadata === undefined) return;
        for (const key of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint', 'device_authorization_endpoint']) {
          const endpoint = metadata[key];
          if (endpoint === undefined) continue;
          expect(typeof endpoint).toBe('string');
          expect(new URL(endpoint as string).protocol).toBe('https:');
        }
      }),
    );
  });
});
