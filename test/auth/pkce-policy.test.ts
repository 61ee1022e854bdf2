// PKCE policy (pure): MCP requires S256 and says to refuse a server that does not advertise it; Cognito and Entra ID
// support S256 without saying so, which only the named escape hatch (--assume-pkce-s256) accepts.
import { describe, expect, it } from 'vitest';
import { assertPkceSupported } from '../../src/auth/sign-in.js';
import { TetherError } from '../../src/errors.js';

const server = (methods?: string[]) => ({ issuer: 'https://as.example', ...(methods ? { code_challenge_methods_supported: methods } : {}) });

describe('assertPkceSupported', () => {
  it('accepts a server that lists S256', () => {
    expect(() => assertPkceSupported(server(['plain', 'S256']), false)).not.toThrow();
  });

  it('refuses a server that says nothing, unless --assume-pkce-s256, and says how', () => {
    try {
      assertPkceSupported(server(), false);
      expect.unreachable('no PKCE was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(TetherError);
      expect((error as TetherError).code).toBe('TETHER_NO_PKCE');
      expect((error as TetherError).hint).toContain('--assume-pkce-s256');
    }
    expect(() => assertPkceSupported(server(), true)).not.toThrow();
  });

  it('refuses a server that lists only plain, even with --assume-pkce-s256', () => {
    expect(() => assertPkceSupported(server(['plain']), true)).toThrow(expect.objectContaining({ code: 'TETHER_NO_PKCE' }));
    expect(() => assertPkceSupported(server(['plain']), true)).toThrow(/does not support PKCE with S256 \(it lists plain\)/);
    expect(() => assertPkceSupported(server([]), true)).toThrow(/it lists nothing/);
  });
});
