// The remote side's vocabulary, in a leaf that loads nothing: the transport modes the command line offers, the
// protocol era, and what the bridge asks of a remote transport. The CLI parser reads the modes from here.
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/client';

export type TransportMode = 'http-first' | 'sse-first' | 'http-only' | 'sse-only';
export const TRANSPORT_MODES: readonly TransportMode[] = ['http-first', 'sse-first', 'http-only', 'sse-only'];

/** What the bridge asks of a remote transport (tether-transport.ts is the one it gets). */
export interface RemoteTransport extends Transport {
  send(message: JSONRPCMessage, options?: SendOptions): Promise<void>;
  terminateSession?: () => Promise<void>;
  /** The server's own bytes of a message handed on as its envelope, where the transport kept them (a large result). */
  bytesOf?: (message: unknown) => Uint8Array | undefined;
}

/** The protocol generation the server speaks: 2026-07-28 (stateless) or the 2025-11-25 lifecycle. */
export type Era = 'modern' | 'legacy';

export interface SendOptions extends TransportSendOptions {
  /** Called when the HTTP response stream of a request ended (with or without a response on it). */
  onRequestStreamEnd?: () => void;
  /** Extra HTTP headers for this request (Mcp-Param-* of MCP 2026-07-28). */
  headers?: Record<string, string>;
  /** The message as the IDE wrote it: sent as is where the message goes unchanged. */
  bytes?: Uint8Array;
}
