// The protocol version kept in a leaf (src/protocol.ts) is one the SDK supports and one with the initialize lifecycle.
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_PROTOCOL_VERSION } from '../src/protocol.js';

describe('LIFECYCLE_PROTOCOL_VERSION', () => {
  it('is a version the SDK supports, of the initialize era (before 2026-07-28)', () => {
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(LIFECYCLE_PROTOCOL_VERSION);
    expect(LIFECYCLE_PROTOCOL_VERSION < '2026-07-28').toBe(true);
  });
});
