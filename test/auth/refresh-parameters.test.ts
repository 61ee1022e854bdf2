// The refresh request's parameters (pure): the resource indicator when there is one, and otherwise the sign-in's
// scope, so that a refresh never names neither (RFC 6749 section 6; Entra's AADSTS90009).
import { describe, expect, it } from 'vitest';
import { refreshParameters } from '../../src/auth/refresh.js';

const tokens = { access_token: 'a', token_type: 'bearer', obtained_at: 0 };
const resource = 'https://mcp.example/mcp';

describe('refreshParameters', () => {
  it('with a resource indicator, sends it alone (a scope there could narrow the grant and cost the ID token)', () => {
    expect(refreshParameters({ ...tokens, scope: 'mcp:tools' }, { resource, scope: 'openid mcp:tools' }, false)).toEqual({ resource });
  });

  it('without one (--disable-resource-parameter), sends the scope the sign-in asked for', () => {
    expect(refreshParameters({ ...tokens, scope: 'api://app/access' }, { resource, scope: 'api://app/.default openid offline_access' }, true)).toEqual({
      scope: 'api://app/.default openid offline_access',
    });
  });

  it('without one and with no scope asked for, sends the scope the server said it granted', () => {
    expect(refreshParameters({ ...tokens, scope: 'openid' }, { resource }, true)).toEqual({ scope: 'openid' });
  });

  it('sends neither only when nothing is known', () => {
    expect(refreshParameters(tokens, { resource }, true)).toEqual({});
  });
});
