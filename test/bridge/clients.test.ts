// The per-IDE hold (pure): which clients get an early answer, how long the others are held, and what the
// --initialize-hold override does.
import { describe, expect, it } from 'vitest';
import { beforeDeadline, EARLY_ANSWER_MS, holdPolicy, KNOWN_CLIENTS, knownClient, UNKNOWN_CLIENT_TIMEOUT_MS, type KnownClient } from '../../src/bridge/clients.js';

describe('knownClient', () => {
  it('recognises the names IDEs send, whatever their case and spacing', () => {
    expect(knownClient({ name: 'codex-mcp-client', version: '0.171.0' })?.label).toBe('Codex');
    expect(knownClient({ name: 'Visual Studio Code' })?.label).toBe('VS Code');
    expect(knownClient({ name: ' CLAUDE-CODE ' })?.label).toBe('Claude Code');
    expect(knownClient({ name: 'mcp-test-client' })?.label).toBe('gemini mcp list');
  });

  it('knows nothing of a missing or odd clientInfo', () => {
    expect(knownClient(undefined)).toBeUndefined();
    expect(knownClient({ name: 42 })).toBeUndefined();
    expect(knownClient('claude-code')).toBeUndefined();
    expect(knownClient({ name: 'my-own-ide' })).toBeUndefined();
  });

  it('every entry says where its facts come from, and no name belongs to two entries', () => {
    const names = KNOWN_CLIENTS.flatMap((client) => client.names.map((name) => name.toLowerCase()));
    expect(new Set(names).size).toBe(names.length);
    for (const client of KNOWN_CLIENTS) expect(client.source.length, client.label).toBeGreaterThan(10);
  });
});

describe('holdPolicy', () => {
  it('answers a client that re-lists early: list_changed corrects it after the sign-in', () => {
    const policy = holdPolicy({ name: 'claude-code' });
    expect(policy).toMatchObject({ relists: true, holdMs: EARLY_ANSWER_MS, listHoldMs: EARLY_ANSWER_MS });
  });

  it('holds a client that never re-lists until just before its own timeout, for initialize and again for its first list', () => {
    const codex = holdPolicy({ name: 'codex-mcp-client' });
    expect(codex.relists).toBe(false);
    expect(codex.holdMs).toBe(beforeDeadline(30_000));
    expect(codex.listHoldMs).toBe(beforeDeadline(30_000));
    expect(codex.holdMs).toBeLessThan(30_000);
    expect(codex.holdMs).toBeGreaterThan(20_000);
  });

  it('lets a client whose start-up budget also covers its lists share one hold', () => {
    expect(holdPolicy({ name: 'claude-ai' }).listHoldMs).toBeUndefined();
    expect(holdPolicy({ name: 'mcp-test-client' }).holdMs).toBe(beforeDeadline(5_000));
  });

  it('treats an unknown client as one that does not re-list, held as long as common start-up timeouts allow', () => {
    const policy = holdPolicy({ name: 'brand-new-ide' });
    expect(policy.client).toBeUndefined();
    expect(policy.relists).toBe(false);
    expect(policy.holdMs).toBe(beforeDeadline(UNKNOWN_CLIENT_TIMEOUT_MS));
    expect(policy.holdMs).toBeGreaterThan(EARLY_ANSWER_MS);
  });

  it('--initialize-hold overrides the table both ways, 0 included', () => {
    expect(holdPolicy({ name: 'codex-mcp-client' }, 120_000)).toMatchObject({ holdMs: 120_000, listHoldMs: 120_000, why: '--initialize-hold' });
    expect(holdPolicy({ name: 'claude-code' }, 0).holdMs).toBe(0);
  });

  it('reads a table it is given', () => {
    const table: KnownClient[] = [{ label: 'Slow', names: ['slow'], relists: false, startupTimeoutMs: 100_000, urlElicitation: false, source: 'measured here' }];
    expect(holdPolicy({ name: 'slow' }, undefined, table).holdMs).toBe(85_000);
  });
});

describe('beforeDeadline', () => {
  it('keeps a margin of 15 % (at least 1.5 s) and never goes under the early answer', () => {
    expect(beforeDeadline(60_000)).toBe(51_000);
    expect(beforeDeadline(10_000)).toBe(8_500);
    expect(beforeDeadline(5_000)).toBe(3_500);
    expect(beforeDeadline(1_000)).toBe(EARLY_ANSWER_MS);
  });
});
