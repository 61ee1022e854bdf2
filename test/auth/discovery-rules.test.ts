// The pure rules of discovery (no network): which well-known URLs are tried and in what order (RFC 9728 section 3.1,
// RFC 8414 section 3.1, MCP "Authorization Server Metadata Discovery"), which resource and issuer values match
// (RFC 9728 section 3.3, RFC 8414 section 3.3), and the canonical resource URI.
import { describe, expect, it } from 'vitest';
import {
  authorizationServerMetadataUrls,
  canonicalResource,
  issuerMatches,
  protectedResourceMetadataUrls,
  resourceMatches,
} from '../../src/auth/discovery.js';

const hrefs = (urls: URL[]): string[] => urls.map((url) => url.href);

describe('protectedResourceMetadataUrls', () => {
  it('tries the challenge\'s resource_metadata first, then the path-specific and the root well-known URL', () => {
    expect(hrefs(protectedResourceMetadataUrls(new URL('https://gw.example/tenant/mcp'), 'https://gw.example/.well-known/oauth-protected-resource/custom'))).toEqual([
      'https://gw.example/.well-known/oauth-protected-resource/custom',
      'https://gw.example/.well-known/oauth-protected-resource/tenant/mcp',
      'https://gw.example/.well-known/oauth-protected-resource',
    ]);
  });

  it('has no path-specific URL for a server at the root, and drops a trailing slash', () => {
    expect(hrefs(protectedResourceMetadataUrls(new URL('https://gw.example/')))).toEqual(['https://gw.example/.well-known/oauth-protected-resource']);
    expect(hrefs(protectedResourceMetadataUrls(new URL('https://gw.example/mcp/')))[0]).toBe('https://gw.example/.well-known/oauth-protected-resource/mcp');
  });

  it('resolves a relative resource_metadata against the server URL', () => {
    expect(hrefs(protectedResourceMetadataUrls(new URL('https://gw.example/mcp'), '/prm.json'))[0]).toBe('https://gw.example/prm.json');
  });
});

describe('authorizationServerMetadataUrls', () => {
  it('for an issuer without a path: the OAuth document, then OpenID Connect', () => {
    expect(hrefs(authorizationServerMetadataUrls(new URL('https://as.example')))).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  it('for an issuer with a path (Okta /oauth2/default, Keycloak /realms/x): path insertion twice, then OIDC appended', () => {
    expect(hrefs(authorizationServerMetadataUrls(new URL('https://idp.example/oauth2/default/')))).toEqual([
      'https://idp.example/.well-known/oauth-authorization-server/oauth2/default',
      'https://idp.example/.well-known/openid-configuration/oauth2/default',
      'https://idp.example/oauth2/default/.well-known/openid-configuration',
    ]);
  });
});

describe('resourceMatches', () => {
  const server = new URL('https://gw.example/tenant/mcp');
  it('accepts the server URL itself and a parent path on the same origin', () => {
    expect(resourceMatches('https://gw.example/tenant/mcp', server)).toBe(true);
    expect(resourceMatches('https://gw.example/tenant/mcp/', server)).toBe(true);
    expect(resourceMatches('https://gw.example/tenant', server)).toBe(true);
    expect(resourceMatches('https://gw.example', server)).toBe(true);
  });

  it('refuses another origin, a sibling path, a prefix that is not a path segment, and garbage', () => {
    expect(resourceMatches('https://evil.example/tenant/mcp', server)).toBe(false);
    expect(resourceMatches('http://gw.example/tenant/mcp', server)).toBe(false);
    expect(resourceMatches('https://gw.example:8443/tenant/mcp', server)).toBe(false);
    expect(resourceMatches('https://gw.example/other/mcp', server)).toBe(false);
    expect(resourceMatches('https://gw.example/ten', server)).toBe(false);
    expect(resourceMatches('not a url', server)).toBe(false);
  });
});

describe('issuerMatches', () => {
  it('is an exact comparison, but for the trailing slash of an issuer without a path', () => {
    expect(issuerMatches('https://as.example/t1', 'https://as.example/t1')).toBe(true);
    expect(issuerMatches('https://as.example/', 'https://as.example')).toBe(true);
    expect(issuerMatches('https://as.example', 'https://as.example/')).toBe(true);
    expect(issuerMatches('https://as.example/t1/', 'https://as.example/t1')).toBe(false);
    expect(issuerMatches('https://AS.example', 'https://as.example')).toBe(false);
    expect(issuerMatches('https://as.example/t2', 'https://as.example/t1')).toBe(false);
    expect(issuerMatches(undefined, 'https://as.example')).toBe(false);
    expect(issuerMatches(42, 'https://as.example')).toBe(false);
  });
});

describe('canonicalResource', () => {
  it('drops fragment and query, and the slash of a bare origin', () => {
    expect(canonicalResource(new URL('https://gw.example/mcp?x=1#frag'))).toBe('https://gw.example/mcp');
    expect(canonicalResource(new URL('https://gw.example/'))).toBe('https://gw.example');
    expect(canonicalResource(new URL('https://GW.example:443/mcp'))).toBe('https://gw.example/mcp');
  });
});
