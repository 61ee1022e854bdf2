// The error family: every code decides its exit code by the README's legend, the README's troubleshooting table
// lists exactly the codes there are, and failures without a code of their own get one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asTetherError, ERROR_CODES, ExitCode, messageOf, TetherError, type ErrorCode } from '../src/errors.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('each kind exits as the legend says: 2 bad command line, 1 failure, 3 sign-in failed', () => {
    const exits = { usage: ExitCode.usage, failure: ExitCode.failure, authorization: ExitCode.authorization };
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(new TetherError(code as ErrorCode, 'x').exitCode, code).toBe(exits[info.kind]);
    }
  });

  it('the README\'s troubleshooting table lists every code, and no code that does not exist', () => {
    const listed = new Set([...README.matchAll(/^\| `(TETHER_[A-Z_]+)` \|/gm)].map((match) => match[1]));
    expect([...listed].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('an error prints its cause, its code and its fix, and gives the IDE the same as data', () => {
    const error = new TetherError('TETHER_NO_DCR', 'The authorization server offers no registration.', { hint: 'Register a client.' });
    expect(error.describe()).toBe('The authorization server offers no registration. [TETHER_NO_DCR]\n  -> Register a client.');
    expect(error.toData()).toEqual({ code: 'TETHER_NO_DCR', message: 'The authorization server offers no registration.', fix: 'Register a client.' });
    expect(new TetherError('TETHER_NO_PKCE', 'x').hint).toBe(ERROR_CODES.TETHER_NO_PKCE.fix);
  });

  it('a fetch failure becomes TETHER_UNREACHABLE or TETHER_TLS_UNTRUSTED; anything else TETHER_UNEXPECTED', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(asTetherError(refused).code).toBe('TETHER_UNREACHABLE');
    expect(asTetherError(refused).message).toMatch(/^Cannot reach the server: connection refused/);
    const untrusted = new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }) });
    expect(asTetherError(untrusted).code).toBe('TETHER_TLS_UNTRUSTED');
    expect(asTetherError(untrusted).hint).toContain('--ca-file');
    expect(asTetherError(new Error('boom')).code).toBe('TETHER_UNEXPECTED');
    expect(messageOf(new TetherError('TETHER_GRANT_REVOKED', 'Gone.'))).toBe('Gone. [TETHER_GRANT_REVOKED]');
  });

  it("the SDK's 401 after a sign-in that just succeeded is TETHER_CREDENTIALS_REFUSED, with the checks to make", () => {
    const error = asTetherError(new Error('Server returned 401 after re-authentication'));
    expect(error.code).toBe('TETHER_CREDENTIALS_REFUSED');
    expect(error.hint).toContain('--scope');
  });
});
