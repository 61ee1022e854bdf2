// IDE messages reach the server byte for byte as the IDE wrote them. The SDK transports serialise each message with
// JSON.stringify; a message held here serialises to a short stand-in, which the transport's fetch swaps back.
import type { Fetch } from '../http/fetch.js';

/**
 * Why not let the SDK serialise: JSON.parse then JSON.stringify is not the identity (integers beyond 2^53 are
 * rounded, `1e400` becomes `null`), and for a 20 MB argument it costs ~50 ms of serialising and re-encoding.
 */
const STAND_IN_KEY = 'mcp-tether/verbatim';

export class VerbatimBodies {
  private readonly bodies = new Map<string, Uint8Array>();
  private count = 0;

  /**
   * Has `message` (parsed from `bytes`) serialise to a stand-in for `bytes` until the returned release is called.
   * The message must be sent unchanged: anything built from it by spreading loses the stand-in, as it should.
   */
  hold(message: object, bytes: Uint8Array): () => void {
    if (Object.hasOwn(message, 'toJSON')) return () => undefined;
    const key = ++this.count;
    const standIn = `{"${STAND_IN_KEY}":${key}}`;
    this.bodies.set(standIn, bytes);
    Object.defineProperty(message, 'toJSON', { value: () => ({ [STAND_IN_KEY]: key }), configurable: true, enumerable: false });
    return () => {
      this.bodies.delete(standIn);
      Reflect.deleteProperty(message, 'toJSON');
    };
  }

  /** The transport's fetch, sending the IDE's own bytes where the body is a stand-in. */
  wrap(fetch: Fetch): Fetch {
    return (input, init) => {
      const body = init?.body;
      if (typeof body !== 'string' || !body.startsWith(`{"${STAND_IN_KEY}":`)) return fetch(input, init);
      const bytes = this.bodies.get(body);
      // Never send a stand-in: it would reach the server as a message of its own.
      if (!bytes) return Promise.reject(new Error('mcp-tether lost the text of a message it was forwarding; please report this'));
      return fetch(input, { ...init, body: bytes });
    };
  }
}
