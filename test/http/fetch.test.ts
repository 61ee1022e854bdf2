// The HTTP client every request goes through (src/http/fetch.ts, request-fetch.ts), against real loopback servers:
// what fetch promises (streaming, errors, codings, redirects left alone), timeouts that never cut an idle event
// stream, and certificate authorities from --ca-file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asTetherError, messageOf } from '../../src/errors.js';
import { createFetch, type Fetch } from '../../src/http/fetch.js';
import { createTestCa, type TestCa } from '../fixtures/test-ca.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<string> {
  const server = tls ? createTlsServer(tls) : createServer();
  servers.push(server);
  server.on('request', handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `${tls ? 'https' : 'http'}://127.0.0.1:${port}/mcp`;
}

/** The client as the MCP transport uses it once start-up is over (undici brought in; requests wait for it). */
function client(options: Parameters<typeof createFetch>[0] = {}): Promise<Fetch> {
  return createFetch({ env: {}, undiciWhen: Promise.resolve(), ...options });
}

const sse = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
};

const manual = { redirect: 'manual' } as const;

describe('the MCP transport\'s requests', () => {
  it('deliver each event of a stream as it is sent, before the response ends', async () => {
    let finish: (() => void) | undefined;
    const url = await serve((_req, res) => {
      sse(res);
      res.write('data: one\n\n');
      finish = () => res.end('data: two\n\n');
    });
    const fetch = await client();
    const response = await fetch(url, { ...manual, method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    finish!();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: two\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('send the method, headers and body given, and report status, status text and repeated headers', async () => {
    let seen: { method?: string; auth?: string; body?: string } = {};
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen = { method: req.method, auth: req.headers.authorization, body };
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(404, 'Gone Fishing', { 'mcp-session-id': 'abc' }).end('gone');
      });
    });
    const fetch = await client();
    const response = await fetch(url, { ...manual, method: 'POST', headers: new Headers({ authorization: 'Bearer t' }), body: '{"x":1}' });
    expect(seen).toEqual({ method: 'POST', auth: 'Bearer t', body: '{"x":1}' });
    expect([response.status, response.statusText, response.ok]).toEqual([404, 'Gone Fishing', false]);
    expect(response.headers.get('mcp-session-id')).toBe('abc');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('gone');
  });

  it('undo gzip as fetch does, and give a 204 no body', async () => {
    const url = await serve((req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"jsonrpc":"2.0"}'));
    });
    const fetch = await client();
    expect(await (await fetch(url, { ...manual, method: 'POST', body: '{}' })).json()).toEqual({ jsonrpc: '2.0' });
    const deleted = await fetch(url, { ...manual, method: 'DELETE' });
    expect([deleted.status, deleted.body]).toEqual([204, null]);
  });

  it('can be cancelled while the server is still sending (a 403 before a new sign-in), and the next request works', async () => {
    const url = await serve((req, res) => {
      if (req.method === 'GET') return void res.end('next');
      sse(res);
      const timer = setInterval(() => res.write(`data: ${'x'.repeat(60_000)}\n\n`), 1);
      res.on('close', () => clearInterval(timer));
    });
    const fetch = await client();
    const response = await fetch(url, { ...manual, method: 'POST', body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the queue fills and the socket is paused
    const reader = response.body!.getReader();
    await reader.read(); // room again: the socket is resumed on the next tick...
    await reader.cancel(); // ...by which time the stream is cancelled

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await (await fetch(url, { ...manual, method: 'GET' })).text()).toBe('next');
  });

  it('undo gzip on an event stream piece by piece: the first event arrives before the stream ends', async () => {
    let finish: (() => void) | undefined;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res);
      gzip.write('data: one\n\n');
      gzip.flush(constants.Z_SYNC_FLUSH);
      finish = () => gzip.end('data: two\n\n');
    });
    const fetch = await client();
    const reader = (await fetch(url, { ...manual, method: 'POST', body: '{}' })).body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    finish!();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('leave a redirect to the caller when asked to (the SDK decides which to follow)', async () => {
    const url = await serve((_req, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const fetch = await client();
    const response = await fetch(url, { ...manual, method: 'POST', body: '{}' });
    expect([response.status, response.headers.get('location')]).toEqual([307, '/elsewhere']);
  });

  it('fail as fetch fails: "fetch failed" when nothing listens, "terminated" when the connection breaks mid-stream, the reason when aborted', async () => {
    const fetch = await client();
    const refused = await fetch('http://127.0.0.1:9/mcp', { ...manual, method: 'POST', body: '{}' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as Error).message).toBe('fetch failed');
    expect(((refused as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');

    const url = await serve((_req, res) => {
      sse(res);
      res.write('data: partial\n\n');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const broken = await fetch(url, { ...manual, method: 'POST', body: '{}' });
    const failure = await broken.text().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe('terminated');
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(asTetherError(failure).code).toBe('TETHER_UNREACHABLE');
    expect(messageOf(failure)).toMatch(/^the connection broke before the answer was complete: /);

    const streaming = await serve((req, res) => {
      if (req.url?.includes('silent')) return; // never answers
      sse(res);
    });
    const reason = new Error('the IDE cancelled');
    const beforeHeaders = new AbortController();
    const waiting = fetch(`${streaming}?silent`, { ...manual, method: 'POST', body: '{}', signal: beforeHeaders.signal }).catch((error: unknown) => error);
    setTimeout(() => beforeHeaders.abort(reason), 100);
    expect(await waiting).toBe(reason);
    const duringBody = new AbortController();
    const open = await fetch(streaming, { ...manual, method: 'GET', signal: duringBody.signal });
    const reading = open.text().catch((error: unknown) => error);
    duringBody.abort(reason);
    expect(await reading).toBe(reason);
  });

  it('name the refusal in plain words, even when every address of a host name refused', async () => {
    const fetch = await client();
    const port = await serve(() => undefined).then((url) => new URL(url).port);
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve)); // nothing listens now
    for (const host of ['127.0.0.1', 'localhost']) {
      const failure = await fetch(`http://${host}:${port}/mcp`, { ...manual, method: 'POST', body: '{}' }).catch((error: unknown) => error);
      expect(asTetherError(failure).code).toBe('TETHER_UNREACHABLE');
      expect(messageOf(failure)).toMatch(/^cannot reach the server: connection refused: nothing is listening there \(.*ECONNREFUSED.*\)$/);
      expect(asTetherError(failure).hint).toMatch(/^Check the URL/);
    }
  });
});

describe('start-up', () => {
  it('Node\'s fetch serves the first requests; an event stream brings undici in at once; then undici serves all', async () => {
    const seen: Array<{ accept: string | undefined; viaNodeFetch: boolean }> = [];
    const url = await serve((req, res) => {
      seen.push({ accept: req.headers.accept, viaNodeFetch: req.headers['sec-fetch-mode'] !== undefined }); // Node's fetch sends Sec-Fetch-Mode
      res.end('ok');
    });
    const fetch = await createFetch({ env: {}, undiciWhen: new Promise(() => undefined) }); // the IDE never answered
    await (await fetch(url, { ...manual, method: 'POST', body: '{}' })).text();
    await (await fetch(url, { ...manual, method: 'GET', headers: { accept: 'text/event-stream' } })).text();
    await (await fetch(url, { ...manual, method: 'POST', body: '{}' })).text();
    expect(seen.map((request) => request.viaNodeFetch)).toEqual([true, false, false]);
  });
});

describe('timeouts', () => {
  for (const redirect of ['manual', 'follow'] as const) {
    it(`an event stream idle for longer than the headers timeout is not cut; the next event arrives (redirect: ${redirect})`, async () => {
      const url = await serve((_req, res) => {
        sse(res);
        res.write(': opened\n\n');
        setTimeout(() => res.end('data: after the silence\n\n'), 2_000);
      });
      const fetch = await client({ headersTimeoutMs: 500 });
      const response = await fetch(url, { redirect, method: 'GET', headers: { accept: 'text/event-stream' } });
      expect(await response.text()).toBe(': opened\n\ndata: after the silence\n\n');
    });

    it(`a server that never answers is given up after the headers timeout, with the reason (redirect: ${redirect})`, async () => {
      const url = await serve(() => undefined);
      const fetch = await client({ headersTimeoutMs: 500 });
      const failure = await fetch(url, { redirect, method: 'POST', body: '{}' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TypeError);
      expect(asTetherError(failure).code).toBe('TETHER_UNREACHABLE');
      expect(messageOf(failure)).toBe('cannot reach the server: the server accepted the request but sent no answer in time');
    });
  }
});

describe('--ca-file', () => {
  let ca: TestCa;
  beforeAll(() => {
    ca = createTestCa();
  });
  afterAll(() => ca.remove());

  it('a server whose certificate the CA file vouches for is reached; without the file it is refused as untrusted', async () => {
    const url = await serve((_req, res) => res.end('trusted'), { key: ca.key, cert: ca.cert });
    const withCa = await createFetch({ env: {}, caFile: ca.caFile });
    expect(await (await withCa(url, { ...manual, method: 'POST', body: '{}' })).text()).toBe('trusted');
    expect(await (await withCa(url)).text()).toBe('trusted'); // fetch's own path (redirects followed) too

    const without = await client();
    const failure = await without(url, { ...manual, method: 'POST', body: '{}' }).catch((error: unknown) => error);
    expect(((failure as Error).cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
  });

  it('a CA file that cannot be read fails at once, naming the file and the option', async () => {
    const failure = await createFetch({ env: {}, caFile: '/nonexistent/ca.pem' }).catch((error: unknown) => error);
    expect(String(failure)).toContain('/nonexistent/ca.pem');
    expect((failure as { hint?: string }).hint).toContain('--ca-file');
  });
});
