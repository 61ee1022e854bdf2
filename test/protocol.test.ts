// The protocol version constant kept in a leaf (src/protocol.ts) is the SDK's own latest: one value, two places, checked.
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_PROTOCOL_VERSION } from '../src/protocol.js';

describe('LIFECYCLE_PROTOCOL_VERSION', () => {
  it("is the SDK's LATEST_PROTOCOL_VERSION", () => {
    expect(LIFECYCLE_PROTOCOL_VERSION).toBe(LATEST_PROTOCOL_VERSION);
  });
});
