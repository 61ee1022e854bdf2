// mcp-tether's remote transport: the SDK's Streamable HTTP or HTTP+SSE client transport, behind the SDK's own
// Transport interface, plus what a bridge that forwards bytes needs: a raw send (the IDE's message as it wrote it,
// `send(message, { bytes })`) and the server's own bytes of a large result (`bytesOf`). Its paths are its design:
//   - steady state: once the session is open, an IDE request is POSTed here (direct-post.ts), its bytes as the body;
//   - out, otherwise: a message sent with its bytes serialises to a stand-in, which this transport's fetch swaps for
//     the bytes (verbatim.ts);
//   - in: a result of 1 MiB or more in a POST's event stream is read as its envelope and handed on as a stand-in,
//     which this transport swaps back, its bytes kept (verbatim-results.ts).
// Decision (issue 15), on the bench's evidence: the SDK transports keep everything but the steady-state request POST.
// They pass the MCP conformance suites and own the handshake, session ids, the GET stream, redirects and 401s; the
// request POST, the one thing done per call, costs about twice the CPU through them (see direct-post.ts).
import { setMaxListeners } from 'node:events';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/client';
import type { Fetch } from '../http/fetch.js';
import { postRequest, type PostContext, type PostSdk } from './direct-post.js';
import type { RemoteTransport, SendOptions } from './transport.js';
import { VerbatimResults } from './verbatim-results.js';
import { VerbatimBodies } from './verbatim.js';

/** The SDK pieces the transport needs (handed in, so that loading mcp-tether does not load the SDK). */
export type TransportSdk = PostSdk & Pick<typeof import('@modelcontextprotocol/client'), 'PROTOCOL_VERSION_META_KEY'>;

/** What the steady-state POST needs of the connection: the SDK transport gets the same from its options. */
export interface DirectPostOptions {
  url: URL;
  /** The command line's headers (the SDK transport's requestInit headers). */
  headers: Record<string, string>;
  /** The bearer token for the next request (the SDK transport's auth provider). */
  token: () => Promise<string | undefined>;
}

/** Send options the steady-state POST honours; a send with any other goes through the SDK transport. */
const DIRECT_OPTIONS = new Set(['bytes', 'onRequestStreamEnd']);

export class TetherTransport implements RemoteTransport {
  onmessage?: RemoteTransport['onmessage'];
  onerror?: RemoteTransport['onerror'];
  onclose?: RemoteTransport['onclose'];
  private readonly bodies = new VerbatimBodies();
  private readonly results: VerbatimResults;
  private readonly inner: RemoteTransport;
  private readonly post: PostContext | undefined;
  /**
   * Aborted on close. Each request in flight listens to it (undici removes the listener when the request ends), so an
   * agent's parallel calls would pass Node's default of 10 and print a false "memory leak" warning on stderr.
   */
  private readonly closing = unlimited(new AbortController());
  /** Set once the handshake is done (the bridge's upstream sets it from the initialize result). */
  private protocolVersion: string | undefined;

  /**
   * `make` builds the SDK transport around the fetch it is given (the byte paths sit in that fetch). With `direct`,
   * requests in the steady state are POSTed here on `fetch` (Streamable HTTP only).
   */
  constructor(make: (fetch: Fetch) => RemoteTransport, fetch: Fetch, private readonly sdk: TransportSdk, direct?: DirectPostOptions) {
    this.results = new VerbatimResults(sdk.deserializeMessage);
    this.inner = make(this.results.wrap(this.bodies.wrap(fetch)));
    this.inner.onmessage = (message, extra) => this.onmessage?.(this.results.resolve(message), extra);
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.onclose?.();
    this.post = direct && {
      url: direct.url,
      fetch,
      sdk,
      headers: async () => {
        // what the SDK transport's requests carry (its "common headers")
        const headers = new Headers(direct.headers);
        const token = await direct.token();
        if (token) headers.set('authorization', `Bearer ${token}`);
        if (this.inner.sessionId) headers.set('mcp-session-id', this.inner.sessionId);
        if (this.protocolVersion) headers.set('mcp-protocol-version', this.protocolVersion);
        return headers;
      },
      swap: () => this.results.eventSwap(),
      resolve: (message) => this.results.resolve(message),
      deliver: (message) => this.onmessage?.(message),
      onerror: (error) => this.onerror?.(error),
      signal: this.closing.signal,
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  /** Sends `message`; with `bytes`, the server receives those bytes (the message must be sent unchanged). */
  async send(message: JSONRPCMessage, options: SendOptions = {}): Promise<void> {
    if (this.post && this.postsDirectly(message, options)) {
      try {
        const request = { id: message.id, body: options.bytes ?? JSON.stringify(message) };
        if ((await postRequest(this.post, request, () => options.onRequestStreamEnd?.())) === 'sent') return;
      } catch (error) {
        if (!this.closing.signal.aborted) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    }
    const release = options.bytes ? this.bodies.hold(message, options.bytes) : undefined;
    try {
      await this.inner.send(message, options);
    } finally {
      release?.();
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return this.inner.close();
  }

  /**
   * The steady state, where a POST here does what the SDK transport's would: a request (not the handshake) once the
   * protocol version is known, of the 2025-11-25 lifecycle (no version claim in `_meta`), sent with no options but
   * the IDE's bytes and the end-of-stream callback.
   */
  private postsDirectly(message: JSONRPCMessage, options: SendOptions): message is JSONRPCRequest {
    if (this.protocolVersion === undefined || !('method' in message) || !('id' in message) || message.method === 'initialize') return false;
    if (Object.keys(options).some((name) => !DIRECT_OPTIONS.has(name))) return false;
    const meta: unknown = message.params?._meta;
    return typeof meta !== 'object' || meta === null || !(this.sdk.PROTOCOL_VERSION_META_KEY in meta);
  }

  async terminateSession(): Promise<void> {
    await this.inner.terminateSession?.();
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
    this.inner.setProtocolVersion?.(version);
  }

  /** The server's own bytes of a message this transport handed on as its envelope (a large result), if it kept them. */
  bytesOf(message: unknown): Uint8Array | undefined {
    return this.results.bytesOf(message);
  }
}

function unlimited(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
