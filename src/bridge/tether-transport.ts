// mcp-tether's remote transport: the SDK's Streamable HTTP or HTTP+SSE client transport, behind the SDK's own
// Transport interface, plus what a bridge that forwards bytes needs: a raw send (the IDE's message as it wrote it,
// `send(message, { bytes })`) and the server's own bytes of a large result (`bytesOf`). The two byte paths are its design:
//   - out: a message sent with its bytes serialises to a stand-in, which this transport's fetch swaps for the bytes
//     (verbatim.ts);
//   - in: a result of 1 MiB or more in a POST's event stream is read as its envelope and handed to the SDK transport
//     as a stand-in, which this transport swaps back, its bytes kept (verbatim-results.ts).
// Decision (issue 15): wrap the SDK's transports rather than replace them. They pass the MCP conformance suites and
// handle SSE framing, resumption and session ids; the byte paths give what replacing them would have bought
// (fidelity, no second serialisation of 20 MB).
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { Fetch } from '../http/fetch.js';
import type { RemoteTransport, SendOptions } from './transport.js';
import { VerbatimResults } from './verbatim-results.js';
import { VerbatimBodies } from './verbatim.js';

type Deserialize = (text: string) => JSONRPCMessage;

export class TetherTransport implements RemoteTransport {
  onmessage?: RemoteTransport['onmessage'];
  onerror?: RemoteTransport['onerror'];
  onclose?: RemoteTransport['onclose'];
  private readonly bodies = new VerbatimBodies();
  private readonly results: VerbatimResults;
  private readonly inner: RemoteTransport;

  /**
   * `make` builds the SDK transport around the fetch it is given (the byte paths sit in that fetch); `deserialize`
   * is the SDK's own, so a large result is read as the SDK would read it.
   */
  constructor(make: (fetch: Fetch) => RemoteTransport, fetch: Fetch, deserialize: Deserialize) {
    this.results = new VerbatimResults(deserialize);
    this.inner = make(this.results.wrap(this.bodies.wrap(fetch)));
    this.inner.onmessage = (message, extra) => this.onmessage?.(this.results.resolve(message), extra);
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.onclose?.();
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  /** Sends `message`; with `bytes`, the server receives those bytes (the message must be sent unchanged). */
  async send(message: JSONRPCMessage, options: SendOptions = {}): Promise<void> {
    const release = options.bytes ? this.bodies.hold(message, options.bytes) : undefined;
    try {
      await this.inner.send(message, options);
    } finally {
      release?.();
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async terminateSession(): Promise<void> {
    await this.inner.terminateSession?.();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  /** The server's own bytes of a message this transport handed on as its envelope (a large result), if it kept them. */
  bytesOf(message: unknown): Uint8Array | undefined {
    return this.results.bytesOf(message);
  }
}
