// Sign-in requests read a bounded answer: a server that sends more than any metadata, registration or token answer
// needs (a hostile one) is refused with a coded error naming the URL, whether or not it declares its length.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../helpers/net.js';
import { TetherError } from '../../src/errors.js';
import { withSizeLimit } from '../../src/http/sign-in-fetch.js';

const LIMIT = 64 * 1024;

describe('withSizeLimit', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
      if (req.url === '/declared') res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big);
      else if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 80; i += 1) res.write(Buffer.alloc(64 * 1024, 0x20));
        res.end('{}');
      } else if (req.url === '/empty') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"https://id.example"}');
    });
    base = await listenOnLoopback(server);
  });
  afterAll(() => {
    server.close();
  });

  const fetch = withSizeLimit((input, init) => globalThis.fetch(input, init), LIMIT);

  it.each(['/declared', '/chunked'])('refuses an answer beyond the limit (%s) with TETHER_RESPONSE_TOO_LARGE naming the URL', async (path) => {
    const failure = await fetch(`${base}${path}`, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TetherError);
    expect((failure as TetherError).code).toBe('TETHER_RESPONSE_TOO_LARGE');
    expect((failure as TetherError).message).toContain(`${base}${path}`);
  });

  it('hands a small answer on intact, and an answer without a body as it is', async () => {
    const small = await fetch(`${base}/metadata`, {});
    expect(small.status).toBe(200);
    expect(small.headers.get('content-type')).toBe('application/json');
    expect(await small.json()).toEqual({ issuer: 'https://id.example' });
    expect((await fetch(`${base}/empty`, {})).status).toBe(204);
  });
});
