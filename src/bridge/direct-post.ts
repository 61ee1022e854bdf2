// The steady-state request POST (MCP transports, "Sending Messages to the Server"): an IDE request's own bytes as
// the body, and the answer (JSON, or an event stream read as it comes) handed on message by message.
import { setTimeout as delay } from 'node:timers/promises';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/client';
import { createParser } from 'eventsource-parser';
import type { Fetch } from '../http/fetch.js';
import { accepting, mediaType } from '../http/media-type.js';
import type { LargeResultSwap } from './verbatim-results.js';

/**
 * Why not the SDK transport's send: for each request it builds a Response and four web streams (ours, then its
 * TextDecoderStream and EventSourceParserStream) and re-serialises the message; on the same fetch this path spends
 * about half the CPU, which takes mcp-tether's per-call cost below a direct SDK client's (`npm run bench`, "echo").
 * It is taken only where it behaves as the SDK transport does (tether-transport.ts says when); what it does not
 * handle, it leaves to the SDK transport before anything was acted on: a redirect, a 401. The handshake, the GET
 * stream and the legacy HTTP+SSE transport stay the SDK's; the answer's own stream is resumed here (readEvents).
 */

/** The SDK pieces this path needs, handed in so that loading this module does not load the SDK. */
export type PostSdk = Pick<typeof import('@modelcontextprotocol/client'), 'deserializeMessage' | 'parseJSONRPCMessage' | 'SdkError' | 'SdkHttpError' | 'SdkErrorCode' | 'isJSONRPCResultResponse' | 'isJSONRPCErrorResponse'>;

export interface PostContext {
  url: URL;
  /** The transport's fetch (credential, DPoP, step-up, undici), as the SDK transport gets it. */
  fetch: Fetch;
  sdk: PostSdk;
  /** What every request carries: the command line's headers, the credential, the session id, the protocol version. */
  headers: () => Promise<Headers>;
  /** A reader of one event stream's bytes that swaps large results for stand-ins (verbatim-results.ts). */
  swap: () => LargeResultSwap;
  /** A message with a stand-in replaced by the result it stands for. */
  resolve: (message: JSONRPCMessage) => JSONRPCMessage;
  deliver: (message: JSONRPCMessage) => void;
  onerror: (error: Error) => void;
  /** Aborted when the transport closes. */
  signal: AbortSignal;
}

/**
 * POSTs one request and hands on its answer. 'sent' when the server took it (its answer, if any, is handed on or on
 * its way; `onStreamEnd` is called when an event stream carrying it is over, as the SDK transport's option is);
 * 'declined' when the answer is the SDK transport's to handle (a redirect, a 401): the server did not act on the
 * request, and the caller sends it through the SDK transport. Any other failure throws the SDK's own error.
 */
export async function postRequest(context: PostContext, request: { id: RequestId; body: Uint8Array | string }, onStreamEnd: () => void): Promise<'sent' | 'declined'> {
  const { sdk } = context;
  const headers = await context.headers();
  headers.set('content-type', 'application/json');
  headers.set('accept', accepting(headers.get('accept'), ['application/json', 'text/event-stream']));
  const response = await context.fetch(context.url, { method: 'POST', headers, body: request.body, redirect: 'manual', signal: context.signal });
  if (response.status === 401 || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel().catch(() => undefined);
    return 'declined';
  }
  if (!response.ok) {
    const text = await response.text().catch(() => null);
    throw new sdk.SdkHttpError(sdk.SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, { status: response.status, statusText: response.statusText, text });
  }
  if (response.status === 202) {
    await response.body?.cancel().catch(() => undefined);
    return 'sent';
  }
  const contentType = response.headers.get('content-type');
  const type = mediaType(contentType);
  if (type === 'text/event-stream') {
    void readEvents(context, response.body, onStreamEnd, request.id);
    return 'sent';
  }
  if (type === 'application/json') {
    const data: unknown = await response.json();
    for (const item of Array.isArray(data) ? data : [data]) context.deliver(sdk.parseJSONRPCMessage(item));
    return 'sent';
  }
  await response.body?.cancel().catch(() => undefined);
  throw new sdk.SdkError(sdk.SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${contentType}`, { contentType });
}

/** How a stream that ended or broke before its response is resumed: the SDK transport's defaults. */
const RECONNECT = { initialMs: 1_000, growFactor: 1.5, maxMs: 30_000, maxRetries: 2 } as const;

interface Reading {
  lastEventId: string | undefined;
  answered: boolean;
  /** The server's `retry:` interval, if it sent one. */
  retryMs: number | undefined;
  /** Events read since the stream was last (re)opened. */
  events: number;
}

/**
 * Reads the answer's events as they come and hands on each message, as the SDK transport does (a message that is
 * not JSON-RPC is reported and skipped). A stream whose events carried ids and that ended or broke before the
 * response is resumed (MCP transports, "Resumability and Redelivery"): a GET with Last-Event-ID after the server's
 * retry interval, the response renumbered to the request's id; after RECONNECT.maxRetries resumptions in a row that
 * bring nothing, the stream is over (and the bridge answers the IDE with an error).
 */
async function readEvents(context: PostContext, body: ReadableStream<Uint8Array> | null, end: () => void, requestId: RequestId): Promise<void> {
  const reading: Reading = { lastEventId: undefined, answered: false, retryMs: undefined, events: 0 };
  let stream = body;
  let failures = 0;
  for (;;) {
    await readStream(context, stream, reading, stream === body ? undefined : requestId);
    if (context.signal.aborted) return;
    if (reading.lastEventId === undefined || reading.answered) break;
    // a stream that brought events starts the count again; one that could not be opened, or brought nothing, adds one
    failures = reading.events > 0 ? 0 : failures + 1;
    if (failures >= RECONNECT.maxRetries) {
      context.onerror(new Error(`Maximum reconnection attempts (${RECONNECT.maxRetries}) exceeded.`));
      break;
    }
    const wait = reading.retryMs ?? Math.min(RECONNECT.initialMs * RECONNECT.growFactor ** failures, RECONNECT.maxMs);
    await delay(wait, undefined, { signal: context.signal }).catch(() => undefined); // closing ends the wait
    if (context.signal.aborted) return;
    const resumed = await resume(context, reading.lastEventId);
    if (resumed === 'not-supported') break;
    stream = resumed ?? null;
  }
  end();
}

/** Reads one stream to its end, into `reading`; a response on a resumed stream is renumbered to `replayId`. */
async function readStream(context: PostContext, body: ReadableStream<Uint8Array> | null, reading: Reading, replayId: RequestId | undefined): Promise<void> {
  const { sdk } = context;
  reading.events = 0;
  const parser = createParser({
    onRetry: (ms) => (reading.retryMs = ms),
    onEvent: (event) => {
      reading.events += 1;
      if (event.id) reading.lastEventId = event.id;
      if (!event.data || (event.event !== undefined && event.event !== 'message')) return;
      try {
        let message = sdk.deserializeMessage(event.data);
        if (sdk.isJSONRPCResultResponse(message) || sdk.isJSONRPCErrorResponse(message)) {
          reading.answered = true;
          if (replayId !== undefined) message = { ...message, id: replayId };
        }
        context.deliver(context.resolve(message));
      } catch (error) {
        context.onerror(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });
  const decoder = new TextDecoder();
  const feed = (bytes: Uint8Array): void => parser.feed(decoder.decode(bytes, { stream: true }));
  const swap = context.swap();
  try {
    const reader = body?.getReader();
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) swap.push(chunk.value, feed);
    swap.end(feed);
  } catch (error) {
    if (!context.signal.aborted) context.onerror(new Error(`SSE stream disconnected: ${String(error)}`));
  }
}

/** GET with Last-Event-ID: the resumed stream, undefined when this attempt failed, or 'not-supported' (405). */
async function resume(context: PostContext, lastEventId: string): Promise<ReadableStream<Uint8Array> | undefined | 'not-supported'> {
  try {
    const headers = await context.headers();
    headers.set('accept', accepting(headers.get('accept'), ['text/event-stream']));
    headers.set('last-event-id', lastEventId);
    const response = await context.fetch(context.url, { method: 'GET', headers, redirect: 'manual', signal: context.signal });
    if (response.ok && mediaType(response.headers.get('content-type')) === 'text/event-stream' && response.body) return response.body;
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 405) return 'not-supported';
    context.onerror(new Error(`Failed to resume the SSE stream: HTTP ${response.status}`));
  } catch (error) {
    if (!context.signal.aborted) context.onerror(new Error(`Failed to resume the SSE stream: ${String(error)}`));
  }
  return undefined;
}
