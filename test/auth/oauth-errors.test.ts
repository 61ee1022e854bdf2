// Token endpoint failures read as a user needs them (pure): the TETHER_ code, and a hint naming the client and the fix.
import { ResponseBodyError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { explainOAuthError } from '../../src/auth/oauth-errors.js';

/** What openid-client throws for an answer that is not an OAuth error body: an Error whose cause is the Response. */
const bare = (status: number): Error => new Error('unexpected HTTP response status code', { cause: new Response(null, { status }) });

describe('explainOAuthError', () => {
  it('a bare 403 or 401 from the token endpoint (Glewlwyd) is the client refused, with the client named and the fix', () => {
    for (const status of [401, 403]) {
      const error = explainOAuthError(bare(status), 'The client credentials grant', { clientId: 'reporting-bot', clientSource: 'static' });
      expect(error.code).toBe('TETHER_CLIENT_REJECTED');
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain('reporting-bot');
      expect(error.hint).toContain('--static-oauth-client-info');
    }
  });

  it('a client mcp-tether registered itself is told to register afresh, not to write a static client', () => {
    const error = explainOAuthError(bare(403), 'Redeeming the authorization code', { clientId: 'abc123', clientSource: 'dynamic' });
    expect(error.code).toBe('TETHER_CLIENT_REJECTED');
    expect(error.hint).toContain('mcp-tether logout');
  });

  it("a 403 page in HTML (a proxy's or a firewall's) is not read as the client refused; a 5xx is the provider being unavailable", () => {
    const page = new Error('unexpected HTTP response status code', { cause: new Response('<html>Forbidden</html>', { status: 403, headers: { 'content-type': 'text/html' } }) });
    expect(explainOAuthError(page, 'Refreshing the access token', { clientId: 'c' }).code).toBe('TETHER_OAUTH_ERROR');
    expect(explainOAuthError(bare(503), 'Refreshing the access token', { clientId: 'c' }).code).toBe('TETHER_AUTH_SERVER_UNAVAILABLE');
  });

  it('an OAuth error body keeps its own code: invalid_grant is a revoked grant, whatever the status', () => {
    const body = new ResponseBodyError('server responded with an error in the response body', {
      cause: { error: 'invalid_grant', error_description: 'refresh token expired' },
      response: new Response(null, { status: 400 }),
    });
    const error = explainOAuthError(body, 'Refreshing the access token', { clientId: 'c' });
    expect(error.code).toBe('TETHER_GRANT_REVOKED');
    expect(error.message).toContain('refresh token expired');
  });
});
