// Network facts for tests: a free loopback port, an HTTP server listening on loopback, and the addresses a process
// listens on (read from /proc).
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `server` on a free port of `host` (default 127.0.0.1); its base URL, http://host:port. */
export async function listenOnLoopback(server: Server, host = '127.0.0.1'): Promise<string> {
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const bytes = hex.match(/../g)?.map((b) => Number.parseInt(b, 16)).reverse() ?? [];
    return bytes.join('.');
  }
  const words = hex.match(/.{8}/g)?.map((w) => (w.match(/../g) ?? []).reverse().join('')) ?? [];
  const groups = words.join('').match(/.{4}/g) ?? [];
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Local addresses with a TCP socket in LISTEN state on `port` (Linux /proc/net/tcp and tcp6). */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table = '';
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue;
      const [address, portHex] = local.split(':');
      if (address && portHex && Number.parseInt(portHex, 16) === port) found.push(decodeAddress(address));
    }
  }
  return found;
}
