// The guards on every sign-in request (loopback servers only): redirects are not followed for a request that carries
// credentials and are followed hop by hop for a metadata GET; link-local and cloud metadata addresses are refused
// always, private ones when the MCP server is public; the address rules themselves are pure.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../helpers/net.js';
import { TetherError } from '../../src/errors.js';
import { addressAllowed, addressKind } from '../../src/http/address.js';
import { withAddressGuard, withoutRedirects, type Resolve } from '../../src/http/sign-in-fetch.js';
import type { Fetch } from '../../src/http/fetch.js';

const nodeFetch: Fetch = (input, init) => globalThis.fetch(input, init);

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  return outcome instanceof TetherError ? outcome.code : outcome === undefined ? undefined : String(outcome);
}

describe('addressKind and addressAllowed', () => {
  it('names loopback, private, link-local, metadata, unspecified and public addresses, IPv6 and mapped IPv4 too', () => {
    expect(addressKind('127.0.0.1')).toBe('loopback');
    expect(addressKind('[::1]')).toBe('loopback');
    expect(addressKind('10.1.2.3')).toBe('private');
    expect(addressKind('172.31.255.1')).toBe('private');
    expect(addressKind('172.32.0.1')).toBe('public');
    expect(addressKind('192.168.1.1')).toBe('private');
    expect(addressKind('fd12::1')).toBe('private');
    expect(addressKind('169.254.169.254')).toBe('metadata');
    expect(addressKind('::ffff:169.254.169.254')).toBe('metadata');
    expect(addressKind('fd00:ec2::254')).toBe('metadata');
    expect(addressKind('169.254.1.1')).toBe('link-local');
    expect(addressKind('fe80::1')).toBe('link-local');
    expect(addressKind('0.0.0.0')).toBe('unspecified');
    expect(addressKind('8.8.8.8')).toBe('public');
    expect(addressKind('example.com')).toBeUndefined();
  });

  it('refuses link-local, metadata and unspecified always; private and loopback only for a public server, unless allowed', () => {
    for (const server of ['public', 'private', 'loopback'] as const) {
      for (const target of ['link-local', 'metadata', 'unspecified'] as const) expect(addressAllowed(target, server, true)).toBe(false);
      expect(addressAllowed('public', server, false)).toBe(true);
    }
    expect(addressAllowed('private', 'public', false)).toBe(false);
    expect(addressAllowed('loopback', 'public', false)).toBe(false);
    expect(addressAllowed('private', 'public', true)).toBe(true);
    expect(addressAllowed('private', 'private', false)).toBe(true);
    expect(addressAllowed('private', 'loopback', false)).toBe(true);
  });
});

describe('withAddressGuard', () => {
  const names: Record<string, string[]> = { 'mcp.example': ['93.184.215.14'], 'intranet.example': ['10.0.0.8'], 'sneaky.example': ['169.254.169.254'], 'as.example': ['34.1.2.3'] };
  const resolve: Resolve = async (host) => names[host] ?? [];
  let sent: string[] = [];
  const recorder: Fetch = async (input) => {
    sent.push(String(input));
    return new Response('{}');
  };

  it('refuses a metadata service by address or by name, whoever the server is, and sends nothing', async () => {
    sent = [];
    const guard = withAddressGuard(recorder, new URL('http://127.0.0.1:3000/mcp'), true, resolve);
    expect(await codeOf(guard('https://169.254.169.254/latest/meta-data/iam', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(await codeOf(guard('https://sneaky.example/token', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(await codeOf(guard('http://metadata.google.internal/computeMetadata/v1/', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(await codeOf(guard('https://[fe80::1]/token', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(sent).toEqual([]);
  });

  it('refuses a private authorization server named by a public MCP server, unless allowed; an intranet server may', async () => {
    sent = [];
    const strict = withAddressGuard(recorder, new URL('https://mcp.example/mcp'), false, resolve);
    expect(await codeOf(strict('https://intranet.example/token', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(await codeOf(strict('https://127.0.0.1:8443/token', {}))).toBe('TETHER_ADDRESS_REFUSED');
    expect(await codeOf(strict('https://as.example/token', {}))).toBeUndefined();
    const allowed = withAddressGuard(recorder, new URL('https://mcp.example/mcp'), true, resolve);
    expect(await codeOf(allowed('https://intranet.example/token', {}))).toBeUndefined();
    const intranet = withAddressGuard(recorder, new URL('https://intranet.example/mcp'), false, resolve);
    expect(await codeOf(intranet('https://10.0.0.9/token', {}))).toBeUndefined();
    expect(sent).toEqual(['https://as.example/token', 'https://intranet.example/token', 'https://10.0.0.9/token']);
  });
});

describe('withoutRedirects', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`.trim());
      const hops = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (hops) {
        const left = Number(hops[1]);
        res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/doc' }).end();
      } else if (req.url === '/token' || req.url === '/reg' || req.url === '/read') res.writeHead(307, { location: '/rogue' }).end();
      else if (req.url === '/doc') res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"x"}');
      else res.writeHead(200).end('captured');
    });
    base = await listenOnLoopback(server);
  });
  afterAll(() => {
    server.close();
  });

  it('never sends a POST or a request with an Authorization header on: the redirect target gets nothing', async () => {
    const fetch = withoutRedirects(nodeFetch);
    expect(await codeOf(fetch(`${base}/token`, { method: 'POST', body: 'grant_type=refresh_token&refresh_token=rt-secret' }))).toBe('TETHER_REDIRECT_REFUSED');
    expect(await codeOf(fetch(`${base}/reg`, { method: 'POST', body: '{}' }))).toBe('TETHER_REDIRECT_REFUSED');
    expect(await codeOf(fetch(`${base}/read`, { headers: { authorization: 'Bearer rat-secret' } }))).toBe('TETHER_REDIRECT_REFUSED');
    expect(seen.filter((line) => line.includes('/rogue'))).toEqual([]);
  });

  it('follows a metadata GET up to three redirects, and refuses a fourth', async () => {
    const fetch = withoutRedirects(nodeFetch);
    const response = await fetch(`${base}/hop/2`, {});
    expect(await response.json()).toEqual({ issuer: 'x' });
    expect(await codeOf(fetch(`${base}/hop/3`, {}))).toBe('TETHER_REDIRECT_REFUSED');
  });
});
