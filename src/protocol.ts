// The MCP protocol version mcp-tether speaks where nobody named one, as a leaf that loads nothing: the SDK exports
// the same value (LATEST_PROTOCOL_VERSION), but importing it would load the SDK on paths that start before it.
// test/protocol.test.ts keeps the two equal.

/** The 2025-11-25 revision: the latest with the initialize lifecycle, and what the SDK calls its latest. */
export const LIFECYCLE_PROTOCOL_VERSION = '2025-11-25';
