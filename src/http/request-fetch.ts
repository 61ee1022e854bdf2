// fetch() for MCP traffic on undici's request(): the SDK transport gets a standard Response, for a fraction of the
// per-call cost of Node's fetch (which runs the whole WHATWG fetch algorithm and several web streams per request).
import { pipeline, type Readable, type Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';

/** The fetch signature every part of mcp-tether takes (Node's own, or one of this module's). */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response must not have a body (Fetch standard, "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** Chunks the body may queue ahead of its reader before the socket is paused. */
const QUEUED_CHUNKS = 16;

/**
 * Whether `request` can serve this call with exactly fetch's behaviour: a URL (not a Request), a body of text or
 * bytes, redirects left to the caller (the SDK asks for `manual` and follows same-origin redirects itself), and no
 * Accept-Encoding of the caller's own (fetch would then leave the body coded). Anything else goes to Node's fetch.
 */
export function servesLikeFetch(input: string | URL | Request, init: RequestInit | undefined): boolean {
  if (typeof input !== 'string' && !(input instanceof URL)) return false;
  if (init?.redirect !== 'manual') return false;
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return false;
  return !asHeaders(init.headers).has('accept-encoding');
}

/** The request's headers, copied only when they are not a Headers object already (the SDK passes one). */
export function asHeaders(init: RequestInit['headers']): Headers {
  return init instanceof Headers ? init : new Headers(init);
}

/** A streaming decoder for one content coding, or undefined for one fetch does not know either. */
function decoder(coding: string): Transform | undefined {
  const flush = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip(flush);
  if (coding === 'deflate') return createInflate(flush);
  if (coding === 'br') return createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH });
  return undefined;
}

/**
 * Undoes the content codings as fetch does (the last one applied first), flushing each piece at once so that an
 * event stream is not held back. A coding it does not know leaves the body as it came, as fetch does.
 */
function decoded(body: Readable, header: string | string[] | undefined): Readable {
  const codings = String(header ?? '').toLowerCase().split(',').map((coding) => coding.trim()).filter(Boolean).reverse();
  const decoders = codings.map(decoder);
  if (decoders.length === 0 || decoders.some((step) => step === undefined)) return body;
  return pipeline([body, ...(decoders as Transform[])], () => undefined) as unknown as Readable;
}

/** A fetch limited to what `servesLikeFetch` accepts, sent through `dispatcher` (undici's request API). */
export function requestFetch(dispatcher: Dispatcher): Fetch {
  return async (input, init) => {
    const signal = init?.signal ?? undefined;
    const headers: Record<string, string> = {};
    asHeaders(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    headers['user-agent'] ??= 'node';
    headers['accept-encoding'] = 'gzip, deflate, br';
    const method = (init?.method ?? 'GET').toUpperCase();
    let answer: Dispatcher.ResponseData;
    try {
      const url = new URL(input);
      answer = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: (init?.body ?? null) as string | Uint8Array | null,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // the errors fetch gives: the signal's reason when aborted, otherwise "fetch failed" with the cause
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    try {
      return toResponse(answer, method, signal);
    } catch (error) {
      answer.body.destroy(); // e.g. a status outside 200-599, which no Response can carry: never hold the socket
      throw new TypeError('fetch failed', { cause: error });
    }
  };
}

function toResponse(answer: Dispatcher.ResponseData, method: string, signal: AbortSignal | undefined): Response {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.push([name, item]);
    else if (value !== undefined) headers.push([name, value]);
  }
  const status = answer.statusCode;
  let body: ReadableStream<Uint8Array> | null = null;
  if (NULL_BODY.has(status) || method === 'HEAD') answer.body.resume();
  else body = webStream(decoded(answer.body, answer.headers['content-encoding']), signal);
  // the server's own reason phrase, when it is one a Response can carry (RFC 9110 section 5.5 characters)
  const statusText = /^[\t\x20-\x7e\x80-\xff]*$/.test(answer.statusText ?? '') ? answer.statusText : '';
  return new Response(body, { status, statusText, headers });
}

/**
 * The response body as a web stream, with back-pressure: the socket is paused while the reader is behind. A broken
 * connection errors the stream as fetch would ("terminated"); cancelling the stream closes the connection.
 */
function webStream(source: Readable, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          if (!open) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) source.pause();
        });
        source.once('end', () => {
          if (open) controller.close();
          open = false;
        });
        source.on('error', (error) => {
          if (open) controller.error(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error }));
          open = false;
        });
      },
      pull() {
        if (open && source.isPaused()) source.resume();
      },
      cancel(reason) {
        open = false;
        source.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: QUEUED_CHUNKS },
  );
}
