// The sign-in callback listener: reachable from this machine's loopback only, while a sign-in waits, and only for
// requests addressed to the redirect URI's own host and port.
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackListener } from '../../src/auth/callback-server.js';
import { TetherError } from '../../src/errors.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { CLI, workspace } from '../helpers/ide.js';
import { freePort, listeningAddresses } from '../helpers/net.js';

const isLoopback = (address: string): boolean => address.startsWith('127.') || address === '::1';

function tryConnect(host: string, port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
    socket.once('timeout', () => {
      socket.destroy();
      resolve('refused');
    });
  });
}

describe('the callback listener', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('accepts loopback connections only', async () => {
    const port = await freePort();
    // A "browser" that never signs in, so the listener stays up while we look at it.
    const ws = workspace({ BROWSER: '/bin/true' });
    const child = spawn(process.execPath, [CLI, stack.mcp.url, String(port)], { env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
    try {
      const deadline = Date.now() + 15_000;
      while (!stderr.includes(`localhost:${port}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const addresses = listeningAddresses(port);
      expect(addresses.length, stderr).toBeGreaterThan(0);
      expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      const external = Object.values(networkInterfaces())
        .flat()
        .filter((info) => info && !info.internal && info.family === 'IPv4')
        .map((info) => info?.address as string);
      for (const address of external) expect(await tryConnect(address, port)).toBe('refused');
      expect(stderr).toContain(`http://localhost:${port}/oauth/callback`);
    } finally {
      child.kill();
    }
  });
});

describe('the callback listener and the Host it is addressed to', () => {
  /** A GET with a Host header of our choosing (what a DNS-rebinding page makes the browser send). */
  function get(port: number, path: string, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('answers 421 to a foreign Host without looking at state or code, and the real sign-in still completes', async () => {
    const listener = await CallbackListener.start({ host: 'localhost', port: 0, path: '/oauth/callback' });
    const redeemed: string[] = [];
    try {
      const done = listener.wait(
        'the-state',
        async (url) => {
          redeemed.push(url.searchParams.get('code') ?? '');
          return 'signed in';
        },
        (code) => new TetherError('TETHER_SIGN_IN_DENIED', code),
        10_000,
      );
      const port = listener.port;
      // The right state, an error: it would abort the sign-in if it were looked at.
      expect(await get(port, '/oauth/callback?state=the-state&error=access_denied', `rebind.attacker.example:${port}`)).toBe(421);
      expect(await get(port, '/oauth/callback?state=the-state&code=stolen', `127.0.0.1:${port}`)).toBe(421); // not the registered name
      expect(await get(port, '/oauth/callback?state=the-state&code=real-code', `localhost:${port}`)).toBe(200);
      await done;
      expect(redeemed).toEqual(['real-code']);
    } finally {
      await listener.close();
    }
  });
});
