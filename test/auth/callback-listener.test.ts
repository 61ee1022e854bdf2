// The sign-in callback listener: reachable from this machine's loopback only, while a sign-in waits.
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
