// The remote side of the bridge: one MCP session with the server over Streamable HTTP, or the legacy HTTP+SSE
// transport as a fallback, re-created invisibly (the IDE's own initialize replayed) when the server forgets it.
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RequestId } from './jsonrpc.js';

export type TransportMode = 'http-first' | 'sse-first' | 'http-only' | 'sse-only';
export const TRANSPORT_MODES: readonly TransportMode[] = ['http-first', 'sse-first', 'http-only', 'sse-only'];

export interface RemoteTransport extends Transport {
  terminateSession?: () => Promise<void>;
}

export interface UpstreamOptions {
  mode: TransportMode;
  log: Logger;
  /** Builds a fresh Streamable HTTP transport (a new session needs a new one). */
  streamable: () => RemoteTransport;
  /** Builds a legacy HTTP+SSE transport. */
  legacySse: () => RemoteTransport;
}

export interface SendOptions {
  /** Called when the HTTP response stream of a request ended (with or without a response on it). */
  onRequestStreamEnd?: () => void;
}

/** The HTTP status an SDK transport error carries, if any. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
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
  /** The negotiated protocol version, from the last initialize result. */
  protocolVersion: string | undefined;

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

  get sessionId(): string | undefined {
    return this.transport?.sessionId;
  }

  /**
   * Sends the IDE's initialize and resolves with the server's answer (not passed to `onmessage`).
   * Picks the transport: on http-first, a 400/404/405 to this first POST switches to HTTP+SSE; 401/403 never do.
   */
  async initialize(request: JSONRPCMessage & { id: RequestId; params?: unknown }): Promise<JSONRPCMessage> {
    this.initializeRequest = request;
    const order: Array<'streamable' | 'sse'> =
      this.options.mode === 'http-only' ? ['streamable'] : this.options.mode === 'sse-only' ? ['sse'] : this.options.mode === 'sse-first' ? ['sse', 'streamable'] : ['streamable', 'sse'];
    let lastError: unknown;
    for (const [index, kind] of order.entries()) {
      try {
        await this.open(kind);
        return await this.exchangeInitialize(request);
      } catch (error) {
        lastError = error;
        const status = httpStatus(error);
        const last = index === order.length - 1;
        const fallBack = kind === 'streamable' ? status !== undefined && FALLBACK_STATUSES.has(status) : status !== 401 && status !== 403;
        if (last || !fallBack || this.sessionOpen) throw error;
        this.options.log.info(`The server did not accept ${kind === 'streamable' ? 'Streamable HTTP' : 'HTTP+SSE'} (${describeError(error)}); trying ${kind === 'streamable' ? 'the legacy HTTP+SSE transport' : 'Streamable HTTP'}.`);
        await this.drop();
      }
    }
    throw lastError;
  }

  /** Sends any message but the IDE's initialize; recreates a lost session and retries once. */
  async send(message: JSONRPCMessage, options: SendOptions = {}): Promise<void> {
    if (!this.sessionOpen && this.initializeRequest) await this.reopen();
    const transport = this.transport;
    if (!transport) throw new Error('no session with the server');
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
    this.protocolVersion = version;
    this.transport?.setProtocolVersion?.(version);
  }

  /** Ends the session politely (DELETE) and closes the transport. */
  async close(): Promise<void> {
    this.closed = true;
    const transport = this.transport;
    if (!transport) return;
    if (transport.sessionId && transport.terminateSession) {
      await transport.terminateSession().catch((error: unknown) => this.options.log.debug(`closing the session: ${describeError(error)}`));
    }
    await transport.close().catch(() => undefined);
  }

  private async open(kind: 'streamable' | 'sse'): Promise<void> {
    const transport = kind === 'streamable' ? this.options.streamable() : this.options.legacySse();
    transport.onmessage = (message) => this.fromServer(message);
    transport.onerror = (error) => this.options.log.debug(`transport: ${describeError(error)}`);
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

  /** Sends an initialize and waits for its answer on the message stream. */
  private async exchangeInitialize(request: JSONRPCMessage & { id: RequestId }): Promise<JSONRPCMessage> {
    const transport = this.transport;
    if (!transport) throw new Error('no transport');
    const answered = new Promise<JSONRPCMessage>((resolve, reject) => this.pendingInits.set(request.id, { resolve, reject }));
    try {
      await transport.send(request);
    } catch (error) {
      this.pendingInits.delete(request.id);
      throw error;
    }
    const answer = await answered;
    const result = (answer as { result?: { protocolVersion?: unknown } }).result;
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
      const id = `mcp-tether-reinitialize-${++this.replayCount}`;
      const answer = await this.exchangeInitialize({ ...request, id });
      if (!('result' in answer)) throw new Error(`the server refused to start a new session: ${JSON.stringify((answer as { error?: unknown }).error)}`);
      await this.transport?.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    })().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private fromServer(message: JSONRPCMessage): void {
    const id = (message as { id?: RequestId }).id;
    if (id !== undefined && !('method' in message)) {
      const pending = this.pendingInits.get(id);
      if (pending) {
        // Initialize answers go to whoever sent the initialize, not straight to the IDE.
        this.pendingInits.delete(id);
        pending.resolve(message);
        return;
      }
    }
    this.onmessage(message);
  }
}
