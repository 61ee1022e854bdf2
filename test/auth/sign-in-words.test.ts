// What the user is told during and after a sign-in (pure): the account shown on the browser page, the page's words,
// the waiting line and its reminders (fake timers), and token fingerprints that stand in for tokens between processes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { remindWhileWaiting, signedInPage } from '../../src/auth/browser-flow.js';
import { accountOf as accountOfTokens, fingerprint } from '../../src/auth/tokens.js';
import { Logger } from '../../src/log.js';

const jwt = (claims: Record<string, unknown>): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const response = (fields: Record<string, unknown>): { access_token: string; id_token?: string } => ({ access_token: 'opaque', ...fields }) as { access_token: string; id_token?: string };
const accountOf = (tokens: { access_token: string; id_token?: string }): string | undefined => accountOfTokens(tokens.access_token, tokens.id_token);

describe('accountOf', () => {
  it('prefers the ID token: e-mail, then user names, then the subject', () => {
    expect(accountOf(response({ id_token: jwt({ sub: 'u1', email: 'alice@example.com' }) }))).toBe('alice@example.com');
    expect(accountOf(response({ id_token: jwt({ sub: 'u1', preferred_username: 'alice' }) }))).toBe('alice');
    expect(accountOf(response({ id_token: jwt({ sub: 'u1' }) }))).toBe('u1');
  });

  it('falls back to a JWT access token (Cognito puts the user name there), and to nothing for opaque tokens', () => {
    expect(accountOf(response({ access_token: jwt({ username: 'bob', client_id: 'c' }) }))).toBe('bob');
    expect(accountOf(response({}))).toBeUndefined();
    expect(accountOf(response({ id_token: 'not.a-jwt' }))).toBeUndefined();
  });
});

describe('signedInPage', () => {
  it('names the server and the account, and says what happens next', () => {
    const text = signedInPage(new URL('https://gw.example/mcp'), 'alice@example.com');
    expect(text).toContain('https://gw.example/mcp as alice@example.com');
    expect(text).toContain('restart the server in the IDE');
    expect(signedInPage(new URL('https://gw.example/mcp'), undefined)).not.toContain(' as ');
  });
});

describe('remindWhileWaiting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says once what it waits for and how long, then reminds every 30 s (not every second) until stopped', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const stop = remindWhileWaiting(new Logger('info', (line) => lines.push(line)), 300_000, 'you to sign in');
    expect(lines).toEqual(['[mcp-tether] Waiting up to 5 min 0 s for you to sign in.\n']);
    vi.advanceTimersByTime(29_000);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(lines.at(-1)).toBe('[mcp-tether] Still waiting for you to sign in (4 min 30 s left).\n');
    vi.advanceTimersByTime(210_000);
    expect(lines.at(-1)).toBe('[mcp-tether] Still waiting for you to sign in (60 s left).\n');
    stop();
    vi.advanceTimersByTime(120_000);
    expect(lines).toHaveLength(9);
  });

  it('is quiet with --silent', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    remindWhileWaiting(new Logger('silent', (line) => lines.push(line)), 60_000, 'you')();
    expect(lines).toEqual([]);
  });
});

describe('fingerprint', () => {
  it('is stable, short, differs per token and does not contain the token', () => {
    const a = fingerprint('eyJhbGciOi.secret-token-value.sig');
    expect(a).toBe(fingerprint('eyJhbGciOi.secret-token-value.sig'));
    expect(a).not.toBe(fingerprint('another-token'));
    expect(a).toHaveLength(22);
    expect(a).not.toContain('secret');
    expect(fingerprint(undefined)).toBeUndefined();
  });
});
