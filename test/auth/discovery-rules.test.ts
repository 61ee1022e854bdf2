// The pure rules of discovery (no network): which well-known URLs are tried and in what order (RFC 9728 section 3.1,
// RFC 8414 section 3.1, MCP "Authorization Server Metadata Discovery"), which resource and issuer values match
// (RFC 9728 section 3.3, RFC 8414 section 3.3), the canonical resource URI, and what each metadata response means
// (use it, try the next URL, or stop), from Response objects made here.
import { describe, expect, it } from 'vitest';
import type { Fetch } from '../../src/http/fetch.js';
import {
  authorizationServerMetadataUrls,
  canonicalResource,
  discoverAuthorizationServer,
  discoverProtectedResource,
  issuerMatches,
  processAuthorizationServerMetadataResponse,
  processResourceMetadataResponse,
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

describe('processResourceMetadataResponse (RFC 9728 sections 3.2, 3.3)', () => {
  const url = new URL('https://gw.example/.well-known/oauth-protected-resource/mcp');
  const server = new URL('https://gw.example/mcp');
  const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('takes a document for this server that names an authorization server', async () => {
    const doc = { resource: 'https://gw.example/mcp', authorization_servers: ['https://as.example'], scopes_supported: ['read'] };
    expect(await processResourceMetadataResponse(json(doc), url, server)).toEqual(doc);
  });

  it('says "try the next URL" for a 404, a body that is not a JSON object, or no body', async () => {
    expect(await processResourceMetadataResponse(json({ error: 'not_found' }, 404), url, server)).toBeUndefined();
    expect(await processResourceMetadataResponse(new Response('<html>', { status: 200 }), url, server)).toBeUndefined();
    expect(await processResourceMetadataResponse(json(['a']), url, server)).toBeUndefined();
    expect(await processResourceMetadataResponse(new Response(null, { status: 204 }), url, server)).toBeUndefined();
  });

  it('stops at a document for another resource, and at one naming no authorization server', async () => {
    await expect(processResourceMetadataResponse(json({ resource: 'https://evil.example/mcp', authorization_servers: ['https://as.example'] }), url, server)).rejects.toThrow(/is for "https:\/\/evil.example\/mcp"/);
    await expect(processResourceMetadataResponse(json({ authorization_servers: ['https://as.example'] }), url, server)).rejects.toThrow(/is for \(none\)/);
    await expect(processResourceMetadataResponse(json({ resource: 'https://gw.example/mcp', authorization_servers: [] }), url, server)).rejects.toThrow(/names no authorization server/);
    await expect(processResourceMetadataResponse(json({ resource: 'https://gw.example/mcp', authorization_servers: 'https://as.example' }), url, server)).rejects.toThrow(/names no authorization server/);
  });
});

describe('processAuthorizationServerMetadataResponse (RFC 8414 sections 3.2, 3.3)', () => {
  const url = new URL('https://as.example/.well-known/oauth-authorization-server/t1');
  const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const strict = { legacy: false, allowHttp: false };

  it('takes the document of the issuer it was asked about', async () => {
    const doc = { issuer: 'https://as.example/t1', authorization_endpoint: 'https://as.example/t1/authorize', token_endpoint: 'https://as.example/t1/token' };
    expect(await processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', strict)).toEqual(doc);
  });

  it('says "try the next URL" for a 4xx or no JSON object, and stops at a 5xx', async () => {
    expect(await processAuthorizationServerMetadataResponse(json({}, 404), url, 'https://as.example/t1', strict)).toBeUndefined();
    expect(await processAuthorizationServerMetadataResponse(new Response('nope', { status: 200 }), url, 'https://as.example/t1', strict)).toBeUndefined();
    await expect(processAuthorizationServerMetadataResponse(json({}, 503), url, 'https://as.example/t1', strict)).rejects.toThrow(/answered 503/);
  });

  it('stops at another issuer (a mix-up), unless it is on the same origin in the 2025-03-26 case', async () => {
    await expect(processAuthorizationServerMetadataResponse(json({ issuer: 'https://as.example/t2' }), url, 'https://as.example/t1', strict)).rejects.toThrow(/names issuer "https:\/\/as.example\/t2"/);
    expect(await processAuthorizationServerMetadataResponse(json({ issuer: 'https://as.example/t2' }), url, 'https://as.example', { legacy: true, allowHttp: false })).toMatchObject({ issuer: 'https://as.example/t2' });
    await expect(processAuthorizationServerMetadataResponse(json({ issuer: 'https://other.example' }), url, 'https://as.example', { legacy: true, allowHttp: false })).rejects.toThrow(/names issuer/);
  });

  it('takes another issuer only when it is exactly the one --accept-issuer names, and says so each time', async () => {
    const doc = { issuer: 'https://cf.as.example', token_endpoint: 'https://cf.as.example/token' };
    const accepted: string[] = [];
    const hatch = { ...strict, acceptIssuer: 'https://cf.as.example', onAccepted: (declared: string) => accepted.push(declared) };
    expect(await processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', hatch)).toEqual(doc);
    expect(await processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', hatch)).toEqual(doc);
    expect(accepted).toEqual(['https://cf.as.example', 'https://cf.as.example']);
    await expect(processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', { ...hatch, acceptIssuer: 'https://cf.as.example/' })).rejects.toThrow(/names issuer/);
    await expect(processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', strict)).rejects.toMatchObject({ hint: expect.stringContaining('--accept-issuer "https://cf.as.example"') });
  });

  it('refuses an endpoint over plain http off loopback, unless --allow-http', async () => {
    const doc = { issuer: 'https://as.example/t1', token_endpoint: 'http://as.example/t1/token' };
    await expect(processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', strict)).rejects.toThrow(/Refusing to use the token endpoint over http/);
    expect(await processAuthorizationServerMetadataResponse(json(doc), url, 'https://as.example/t1', { legacy: false, allowHttp: true })).toEqual(doc);
  });
});

describe('discoverProtectedResource: a server error is not the absence of metadata', () => {
  const server = new URL('https://gw.example/mcp');
  /** A fetch answering from a table of URL -> status (404 elsewhere), recording what was asked. */
  const answering = (statuses: Record<string, number>): { fetch: Fetch; asked: string[] } => {
    const asked: string[] = [];
    const fetch: Fetch = async (url) => {
      const href = String(url);
      asked.push(href);
      return new Response('{}', { status: statuses[href] ?? 404 });
    };
    return { fetch, asked };
  };
  const options = { allowHttp: false, allowForeign: false };

  it('stops at a 5xx from the address the challenge named, without guessing others', async () => {
    const named = 'https://gw.example/.well-known/oauth-protected-resource/mcp';
    const { fetch, asked } = answering({ [named]: 503 });
    await expect(discoverProtectedResource(server, named, fetch, options)).rejects.toMatchObject({ code: 'TETHER_SERVER_FAILED', message: expect.stringContaining(`${named} answered 503`) });
    expect(asked).toEqual([named]);
  });

  it('after a 5xx at a guessed address, takes a document at the next one; else keeps the 5xx as a doubt', async () => {
    const root = 'https://gw.example/.well-known/oauth-protected-resource';
    const doc = { resource: 'https://gw.example/mcp', authorization_servers: ['https://as.example'] };
    const withRoot: Fetch = async (url) =>
      String(url) === root ? new Response(JSON.stringify(doc), { status: 200, headers: { 'content-type': 'application/json' } }) : new Response('', { status: 502 });
    expect((await discoverProtectedResource(server, undefined, withRoot, options)).issuer).toBe('https://as.example');
    const { fetch } = answering({ 'https://gw.example/.well-known/oauth-protected-resource/mcp': 500 });
    expect(await discoverProtectedResource(server, undefined, fetch, options)).toEqual({
      issuer: 'https://gw.example',
      resource: 'https://gw.example/mcp',
      unreadable: ['https://gw.example/.well-known/oauth-protected-resource/mcp answered 500'],
    });
  });

  it('a doubt and no authorization server metadata on the origin: TETHER_SERVER_FAILED, not the guessed /authorize and /token', async () => {
    const { fetch } = answering({});
    const doubt = { legacy: true, unreadable: ['https://gw.example/.well-known/oauth-protected-resource/mcp answered 500'] };
    await expect(discoverAuthorizationServer('https://gw.example', fetch, false, doubt)).rejects.toMatchObject({ code: 'TETHER_SERVER_FAILED' });
    expect((await discoverAuthorizationServer('https://gw.example', fetch, false, { legacy: true })).token_endpoint).toBe('https://gw.example/token');
  });

  it('with 404 everywhere, the server has no metadata: its origin stands in for the authorization server (2025-03-26)', async () => {
    const { fetch, asked } = answering({});
    expect(await discoverProtectedResource(server, undefined, fetch, options)).toEqual({ issuer: 'https://gw.example', resource: 'https://gw.example/mcp' });
    expect(asked).toHaveLength(2);
  });
});
