// The HTTP client every request goes through (src/http/fetch.ts, request-fetch.ts), against real loopback servers:
// what fetch promises (streaming, errors, codings, redirects left alone), timeouts that never cut an idle event
// stream, and certificate authorities from --ca-file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch, type Fetch } from '../../src/http/fetch.js';
import { createTestCa, type TestCa } from '../fixtures/test-ca.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<string> {
  server = tls ? createTlsServer(tls) : createServer();
  server.on('request', handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
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
        res.writeHead(404, { 'mcp-session-id': 'abc' }).end('gone');
      });
    });
    const fetch = await client();
    const response = await fetch(url, { ...manual, method: 'POST', headers: new Headers({ authorization: 'Bearer t' }), body: '{"x":1}' });
    expect(seen).toEqual({ method: 'POST', auth: 'Bearer t', body: '{"x":1}' });
    expect([response.status, response.statusText, response.ok]).toEqual([404, 'Not Found', false]);
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

    const controller = new AbortController();
    const url2 = await serve((_req, res) => sse(res));
    const aborted = await fetch(url2, { ...manual, method: 'GET', signal: controller.signal });
    const reading = aborted.text().catch((error: unknown) => error);
    controller.abort();
    expect(((await reading) as Error).name).toBe('AbortError');
  });
});

describe('timeouts', () => {
  it('an event stream idle for longer than the headers timeout is not cut; the next event arrives', async () => {
    const url = await serve((_req, res) => {
      sse(res);
      res.write(': opened\n\n');
      setTimeout(() => res.end('data: after the silence\n\n'), 2_500);
    });
    const fetch = await client({ headersTimeoutMs: 500 });
    const response = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream' } });
    expect(await response.text()).toBe(': opened\n\ndata: after the silence\n\n');
  });

  it('a server that never answers is given up after the headers timeout, with the reason', async () => {
    const url = await serve(() => undefined);
    const fetch = await client({ headersTimeoutMs: 500 });
    const failure = await fetch(url, { method: 'GET' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String(((failure as Error).cause as Error).message)).toMatch(/headers timeout/i);
  });
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
