// The remote side of the bridge: one MCP session with the server over Streamable HTTP, or the legacy HTTP+SSE
// transport as a fallback, re-created invisibly (the IDE's own initialize replayed) when the server forgets it.
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { messageOf, TetherError } from '../errors.js';
import { notAnMcpEndpoint, type Attempt } from '../http/mcp-endpoint.js';
import type { Logger } from '../log.js';
import { isEnvelope, wholeMessage } from './envelope.js';
import { idOf, objectOf, resultOf, type RequestId } from './jsonrpc.js';
import { ModernExchange } from './modern-exchange.js';
import type { Era, RemoteTransport, SendOptions, TransportMode } from './transport.js';
import { discoverRequest, initializeAnswerFromDiscovery, MODERN_VERSION, modernDiscovery, rejectedButSupported } from './modern.js';

export interface UpstreamOptions {
  /** The server's URL, for messages. */
  url: URL;
  mode: TransportMode;
  /** --protocol legacy: never try MCP 2026-07-28 (`server/discover`). */
  legacyOnly?: boolean;
  /** What the server spoke last time, to skip a probe that would fail. */
  era?: Era;
  log: Logger;
  /** Builds a fresh Streamable HTTP transport (a new session needs a new one). */
  streamable: () => RemoteTransport;
  /** Builds a legacy HTTP+SSE transport. */
  legacySse: () => RemoteTransport;
  /** Whether the IDE shows URL elicitations (the bridge knows the IDE); a server's URL requests go elsewhere if not. */
  showsUrlElicitation?: () => boolean;
}


/** The HTTP status an SDK transport error carries, if any. */
export function httpStatus(error: unknown): number | undefined {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  if (typeof status === 'number') return status;
  // The legacy SSE transport's SseError carries the status as a numeric `code`.
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/** What each way of connecting sends, in words. */
const REQUESTS = {
  modern: 'POST server/discover (MCP 2026-07-28)',
  'legacy-http': 'POST initialize (Streamable HTTP)',
  sse: 'GET (HTTP+SSE)',
} as const;

/** The answer of a transport error that says "this is not an MCP endpoint here", in words; undefined for any other failure. */
function answerOf(error: unknown): string | undefined {
  const status = httpStatus(error);
  if (status !== undefined) return status === 401 || status === 403 ? undefined : `HTTP ${status}`;
  const type = /Unexpected content type:?\s*([^\s,;]+)/i.exec(error instanceof Error ? error.message : '')?.[1];
  return type ? `HTTP 200 with ${type}, not MCP` : undefined;
}

/** MCP transports, backwards compatibility: fall back to HTTP+SSE on these answers to the first POST only. */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

interface PendingInit {
  resolve: (message: JSONRPCMessage) => void;
  reject: (error: unknown) => void;
}

export class Upstream {
  /** Messages from the server for the IDE (internal replies to replayed initializes are kept back). */
  onmessage: (message: JSONRPCMessage) => void = () => undefined;
  /** Known once the IDE's initialize was answered. */
  era: Era | undefined;
  private modern: ModernExchange | undefined;

  private transport: RemoteTransport | undefined;
  private kind: 'streamable' | 'sse' | undefined;
  /** The IDE's initialize request, replayed whenever a new session is needed. */
  private initializeRequest: (JSONRPCMessage & { id: RequestId; params?: unknown }) | undefined;
  private sessionOpen = false;
  private replaying: Promise<void> | undefined;
  private replayCount = 0;
  private readonly pendingInits = new Map<RequestId, PendingInit>();
  private closed = false;

  constructor(private readonly options: UpstreamOptions) {}

  /** The MCP server's URL, for messages. */
  get serverUrl(): URL {
    return this.options.url;
  }

  /**
   * Sends the IDE's initialize and resolves with the server's answer (not passed to `onmessage`). Picks the
   * protocol era and transport: 2026-07-28 (`server/discover`) first unless the server was legacy last time, then
   * the 2025-11-25 lifecycle over Streamable HTTP, then (http-first) the legacy HTTP+SSE transport. A 400/404/405
   * moves on to the next; 401/403 never do.
   */
  async initialize(request: JSONRPCMessage & { id: RequestId; params?: unknown }): Promise<JSONRPCMessage> {
    this.initializeRequest = request;
    const attempts = this.attempts();
    let lastError: unknown;
    const answers: Attempt[] = [];
    for (const [index, attempt] of attempts.entries()) {
      try {
        if (attempt === 'modern') {
          const answer = await this.tryModern(request.id);
          if (answer) return answer;
          continue;
        }
        await this.open(attempt === 'sse' ? 'sse' : 'streamable');
        const answer = await this.exchangeInitialize(request);
        this.era = 'legacy';
        return answer;
      } catch (error) {
        lastError = error;
        const status = httpStatus(error);
        const notMcp = answerOf(error);
        if (notMcp) answers.push({ request: REQUESTS[attempt], answer: notMcp });
        const last = index === attempts.length - 1;
        const fallBack = attempt === 'sse' ? status !== 401 && status !== 403 : status !== undefined && FALLBACK_STATUSES.has(status);
        if (last || !fallBack || this.sessionOpen) throw answers.length === index + 1 ? this.explain(error, answers) : error;
        this.options.log.debug(`${REQUESTS[attempt]} was answered ${notMcp ?? messageOf(error)}; trying the next way`);
        await this.drop();
      }
    }
    throw lastError ?? new Error('the server speaks no protocol version or transport mcp-tether knows');
  }

  /** Every way was answered with "not here": the URL is wrong, and the error says so. A 5xx is the server's. */
  private explain(error: unknown, answers: Attempt[]): unknown {
    const status = httpStatus(error);
    if (status !== undefined && status >= 500) {
      return new TetherError('TETHER_SERVER_FAILED', `${this.options.url.href} answered HTTP ${status} to ${answers.at(-1)?.request ?? 'initialize'}.`, { cause: error });
    }
    return notAnMcpEndpoint(this.options.url, answers);
  }

  private attempts(): Array<'modern' | 'legacy-http' | 'sse'> {
    const all = this.allAttempts();
    return this.options.legacyOnly ? all.filter((attempt) => attempt !== 'modern') : all;
  }

  private allAttempts(): Array<'modern' | 'legacy-http' | 'sse'> {
    switch (this.options.mode) {
      case 'sse-only':
        return ['sse'];
      case 'sse-first':
        return ['sse', 'modern', 'legacy-http'];
      case 'http-only':
        return this.options.era === 'legacy' ? ['legacy-http', 'modern'] : ['modern', 'legacy-http'];
      case 'http-first':
        return this.options.era === 'legacy' ? ['legacy-http', 'modern', 'sse'] : ['modern', 'legacy-http', 'sse'];
    }
  }

  /** `server/discover`: the IDE's initialize answered from it when the server speaks 2026-07-28, else undefined. */
  private async tryModern(id: RequestId): Promise<JSONRPCMessage | undefined> {
    await this.open('streamable');
    const ideParams = this.ideParams();
    let answer = await this.exchange(discoverRequest(`mcp-tether-discover-${++this.replayCount}`, ideParams));
    // -32022 naming our version among the supported ones: a transient refusal; ask once more.
    if (rejectedButSupported(answer)) answer = await this.exchange(discoverRequest(`mcp-tether-discover-${++this.replayCount}`, ideParams));
    const discovered = modernDiscovery(answer);
    if (!discovered) {
      await this.drop();
      return undefined;
    }
    this.era = 'modern';
    this.modern = new ModernExchange({ transport: () => this.transport, ideParams: () => this.ideParams(), toIde: (message) => this.onmessage(message), log: this.options.log, showsUrlElicitation: () => this.options.showsUrlElicitation?.() ?? false });
    this.sessionOpen = true;
    this.setProtocolVersion(MODERN_VERSION);
    return initializeAnswerFromDiscovery(id, ideParams, discovered);
  }

  private ideParams(): Record<string, unknown> {
    return objectOf(this.initializeRequest?.params);
  }

  /** Sends any message but the IDE's initialize; recreates a lost session and retries once. */
  async send(message: JSONRPCMessage, options: SendOptions = {}): Promise<void> {
    if (!this.sessionOpen && this.initializeRequest) await this.reopen();
    const transport = this.transport;
    if (!transport) throw new Error('no session with the server');
    if (this.modern) {
      // 2026-07-28 messages are rewritten and sent as serialised: a large one that came as its envelope is parsed whole.
      await this.modern.send(isEnvelope(message) && options.bytes ? wholeMessage(options.bytes) : message, options);
      return;
    }
    try {
      await transport.send(message, options);
    } catch (error) {
      // MCP transports, session management: 404 to a request with a session id = the session is gone.
      if (httpStatus(error) !== 404 || !transport.sessionId || this.kind !== 'streamable' || this.closed) throw error;
      this.options.log.info('The server no longer knows this session (HTTP 404); starting a new one.');
      this.sessionOpen = false;
      await this.reopen(transport);
      await this.transport?.send(message, options);
    }
  }

  setProtocolVersion(version: string): void {
    this.transport?.setProtocolVersion?.(version);
  }

  /** Ends the session politely (DELETE) and closes the transport. */
  async close(): Promise<void> {
    this.closed = true;
    const transport = this.transport;
    if (!transport) return;
    if (transport.sessionId && transport.terminateSession) {
      await transport.terminateSession().catch((error: unknown) => this.options.log.debug(`closing the session: ${messageOf(error)}`));
    }
    await transport.close().catch(() => undefined);
  }

  private async open(kind: 'streamable' | 'sse'): Promise<void> {
    const transport = kind === 'streamable' ? this.options.streamable() : this.options.legacySse();
    transport.onmessage = (message) => this.fromServer(message);
    transport.onerror = (error) => this.options.log.debug(`transport: ${messageOf(error)}`);
    this.transport = transport;
    this.kind = kind;
    await transport.start();
  }

  private async drop(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    this.sessionOpen = false;
    if (transport) {
      transport.onmessage = undefined;
      await transport.close().catch(() => undefined);
    }
  }

  /** Sends a request of mcp-tether's own and waits for its answer on the message stream. */
  private async exchange(request: JSONRPCMessage & { id: RequestId }): Promise<JSONRPCMessage> {
    const transport = this.transport;
    if (!transport) throw new Error('no transport');
    const answered = new Promise<JSONRPCMessage>((resolve, reject) => this.pendingInits.set(request.id, { resolve, reject }));
    try {
      await transport.send(request);
    } catch (error) {
      this.pendingInits.delete(request.id);
      throw error;
    }
    return answered;
  }

  /** Sends an initialize and waits for its answer; a result opens the session. */
  private async exchangeInitialize(request: JSONRPCMessage & { id: RequestId }): Promise<JSONRPCMessage> {
    const answer = await this.exchange(request);
    const result = resultOf(answer);
    if (result) {
      if (typeof result.protocolVersion === 'string') this.setProtocolVersion(result.protocolVersion);
      this.sessionOpen = true;
    }
    return answer;
  }

  /** A new session with the IDE's initialize parameters, its answer kept from the IDE (which has one already). */
  private reopen(lost?: RemoteTransport): Promise<void> {
    this.replaying ??= (async () => {
      const request = this.initializeRequest;
      if (!request) throw new Error('the IDE has not initialized yet');
      if (lost && this.transport === lost) await this.drop();
      if (!this.transport) await this.open(this.kind ?? 'streamable');
      if (this.era === 'modern') {
        // Stateless: nothing to re-create but the transport.
        this.sessionOpen = true;
        return;
      }
      const id = `mcp-tether-reinitialize-${++this.replayCount}`;
      const answer = await this.exchangeInitialize({ ...request, id });
      if (!('result' in answer)) throw new Error(`the server refused to start a new session: ${JSON.stringify(objectOf(answer).error)}`);
      await this.transport?.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    })().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  /** The server's own bytes of a message passed on as its envelope, when the transport kept them (a large result). */
  bytesOf(message: unknown): Uint8Array | undefined {
    return this.transport?.bytesOf?.(message);
  }

  private fromServer(message: JSONRPCMessage): void {
    const id = idOf(message);
    if (id !== undefined && !('method' in message)) {
      const pending = this.pendingInits.get(id);
      if (pending) {
        // Initialize and discover answers go to whoever sent them, not straight to the IDE; they are read (capabilities,
        // instructions) and answered again under the IDE's id, so a large one is read whole.
        this.pendingInits.delete(id);
        pending.resolve(this.whole(message));
        return;
      }
    }
    // 2026-07-28 results are rewritten: a large one that came as its envelope is read whole first.
    const forIde = this.modern ? this.modern.fromServer(this.whole(message)) : message;
    if (forIde) this.onmessage(forIde);
  }

  /** The message whole: a large result that came as its envelope (envelope.ts) is read from the server's bytes. */
  whole(message: JSONRPCMessage): JSONRPCMessage {
    const bytes = isEnvelope(message) ? this.bytesOf(message) : undefined;
    return bytes ? wholeMessage(bytes) : message;
  }
}
