// Moves JSON-RPC messages between the IDE (stdio) and the remote MCP server (the SDK's Streamable HTTP client
// transport), unchanged and in order, and answers the IDE with a JSON-RPC error when a request cannot be delivered.
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { classify, errorResponse, INVALID_REQUEST, PARSE_ERROR, UPSTREAM_ERROR, type RequestId } from './jsonrpc.js';
import { readLines, writeMessage } from './stdio.js';

export interface BridgeOptions {
  transport: StreamableHTTPClientTransport;
  input: Readable;
  output: Writable;
  log: Logger;
}

export class Bridge {
  private readonly transport: StreamableHTTPClientTransport;
  private readonly log: Logger;
  private readonly output: Writable;
  /** Messages wait here while the IDE's initialize is in flight, so nothing reaches the server before the session. */
  private gate: Promise<unknown> = Promise.resolve();
  private readonly initializeIds = new Set<RequestId>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: BridgeOptions) {
    this.transport = options.transport;
    this.log = options.log;
    this.output = options.output;
  }

  /** Runs until the IDE closes stdin; resolves once the remote session is closed. */
  async run(): Promise<void> {
    this.transport.onmessage = (message) => this.fromServer(message);
    this.transport.onerror = (error) => this.log.debug(`transport: ${describeError(error)}`);
    await this.transport.start();
    await new Promise<void>((resolve) => readLines(this.options.input, (line) => this.fromIde(line), resolve));
    await this.close();
  }

  async close(): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), delay(2_000)]);
    if (this.transport.sessionId) {
      await Promise.race([this.transport.terminateSession().catch((error: unknown) => this.log.debug(`closing the session: ${describeError(error)}`)), delay(3_000)]);
    }
    await this.transport.close();
  }

  private fromIde(line: string): void {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.log.info(`Ignored a line from the IDE that is not JSON (${describeError(error)}).`);
      writeMessage(this.output, errorResponse(null, PARSE_ERROR, `Parse error: ${describeError(error)}`));
      return;
    }
    const message = classify(parsed);
    if (message.kind === 'invalid') {
      this.log.info(`Ignored an invalid JSON-RPC message from the IDE: ${message.reason}.`);
      writeMessage(this.output, errorResponse(message.id, INVALID_REQUEST, `Invalid request: ${message.reason}`));
      return;
    }
    this.log.debug(() => `IDE -> server: ${message.kind} ${'method' in message ? message.method : ''} ${'id' in message ? String(message.id) : ''}`);
    const isInitialize = message.kind === 'request' && message.method === 'initialize';
    if (isInitialize) this.initializeIds.add(message.id);
    const sent = this.gate.then(() => this.transport.send(message.message));
    if (isInitialize) this.gate = sent.catch(() => undefined);
    const tracked = sent.catch((error: unknown) => this.deliveryFailed(message.kind === 'request' ? message.id : undefined, error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private deliveryFailed(id: RequestId | undefined, error: unknown): void {
    const text = describeError(error);
    this.log.info(`Could not deliver a message to the server: ${text}`);
    if (id !== undefined) writeMessage(this.output, errorResponse(id, UPSTREAM_ERROR, `mcp-tether: ${text}`));
  }

  private fromServer(message: JSONRPCMessage): void {
    if ('id' in message && message.id !== undefined && this.initializeIds.delete(message.id) && 'result' in message) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') this.transport.setProtocolVersion(version);
    }
    this.log.debug(() => `server -> IDE: ${'method' in message ? message.method : 'response'} ${'id' in message ? String(message.id) : ''}`);
    writeMessage(this.output, message);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
