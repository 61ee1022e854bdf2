// The MCP protocol version spoken where nobody named one: a leaf, so that paths starting before the SDK loads need
// not load it for one string (test/protocol.test.ts checks the SDK supports it).

/** The 2025-11-25 revision: the latest with the initialize lifecycle, and what the SDK calls its latest. */
export const LIFECYCLE_PROTOCOL_VERSION = '2025-11-25';
