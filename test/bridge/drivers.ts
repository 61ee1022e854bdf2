// IDE stand-ins for the bridge tests: an SDK Client over stdio with any capabilities and buffer size, and a raw
// newline-JSON driver of the CLI's stdin/stdout for what an SDK client would never send.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { BROWSER, CLI, type Workspace } from '../helpers/ide.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every 50 ms until it returns true or `timeoutMs` passes; returns its last answer. A check that throws
 * (a keychain read while the test daemon is being restarted, say) counts as "not yet"; if the last one threw, the
 * timeout says why.
 */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  for (;;) {
    try {
      if (check()) return true;
      failure = undefined;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      if (failure !== undefined) throw new Error(`the condition was still failing after ${timeoutMs} ms`, { cause: failure });
      return false;
    }
    await sleep(50);
  }
}

/** Settles with the promise's outcome, or with 'timeout' after `ms` (so a hang fails the test instead of stalling it). */
export function within<T>(promise: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | 'timeout'> {
  return Promise.race([
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    sleep(ms).then(() => 'timeout' as const),
  ]);
}

export interface IdeOptions {
  args?: string[];
  env?: Record<string, string>;
  capabilities?: Record<string, unknown>;
  /** initialize timeout in ms. */
  timeoutMs?: number;
  /** The SDK's stdio line limit (default 10 MB). */
  maxBufferSize?: number;
  /** Registers handlers on the client before it connects. */
  setup?: (client: Client) => void;
}

export interface StdioIde {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
  close(): Promise<void>;
}

/** Starts mcp-tether as an IDE does and connects an SDK Client to it (initialize + initialized). */
export async function connectIde(serverUrl: string, ws: Workspace, options: IdeOptions = {}): Promise<StdioIde> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, serverUrl, ...(options.args ?? [])],
    env: { ...ws.env, ...options.env },
    stderr: 'pipe',
    ...(options.maxBufferSize !== undefined ? { maxBufferSize: options.maxBufferSize } : {}),
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'bridge-ide', version: '7.7.7' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  try {
    await client.connect(transport, { timeout: options.timeoutMs ?? 30_000 });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(`connect failed: ${String(error)}\nmcp-tether stderr:\n${stderr}`);
  }
  return { client, transport, stderr: () => stderr, close: () => client.close() };
}

export type Json = Record<string, unknown>;

/** The CLI driven over raw stdin/stdout: every stdout line is kept, parsed when it is JSON. */
export class RawCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  readonly messages: Json[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  private partial = '';

  constructor(serverUrl: string, ws: Workspace, args: string[] = [], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, serverUrl, ...args], { env: { ...ws.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    // One decoder for the stream: a character cut between two chunks is decoded whole.
    const decoder = new StringDecoder('utf8');
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.partial += decoder.write(chunk);
      let newline = this.partial.indexOf('\n');
      while (newline !== -1) {
        const line = this.partial.slice(0, newline);
        this.partial = this.partial.slice(newline + 1);
        this.lines.push(line);
        try {
          this.messages.push(JSON.parse(line) as Json);
        } catch {
          // kept in `lines` only: the test decides what a non-JSON stdout line means
        }
        newline = this.partial.indexOf('\n');
      }
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  send(message: Json): void {
    this.write(JSON.stringify(message));
  }

  /** The first stdout message after index `from` matching `match`, within `timeoutMs`. */
  async next(match: (message: Json) => boolean, timeoutMs = 15_000, from = 0): Promise<Json> {
    let found: Json | undefined;
    await waitUntil(() => (found = this.messages.slice(from).find(match)) !== undefined || this.exit !== undefined, timeoutMs);
    if (found === undefined) throw new Error(`no matching message within ${timeoutMs} ms; stdout: ${this.lines.join('\n').slice(0, 2_000)}\nstderr: ${this.stderr.slice(-2_000)}`);
    return found;
  }

  async request(id: number | string, method: string, params: Json = {}, timeoutMs = 15_000): Promise<Json> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.next((message) => message.id === id && !('method' in message), timeoutMs);
  }

  /** initialize + initialized, as an IDE starts; `clientInfo` names the IDE (its hold on a sign-in depends on it). */
  async handshake(clientInfo: Json = { name: 'raw-ide', version: '1.0.0' }, timeoutMs = 15_000, capabilities: Json = {}): Promise<Json> {
    const answer = await this.request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo }, timeoutMs);
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return answer;
  }

  /** Waits for the process to exit, killing it after `timeoutMs`; true if it exited by itself. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    const outcome = await within(this.exited, timeoutMs);
    if (outcome !== 'timeout') return true;
    this.child.kill('SIGKILL');
    await this.exited;
    return false;
  }

  kill(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }
}

/**
 * A $BROWSER script that waits `delaySeconds` (the user reading the page) and then signs in with the headless
 * browser fixture; without the proxy variables when `withoutProxy` (so a proxy sees only mcp-tether's requests).
 */
export function delayedBrowser(delaySeconds: number, options: { withoutProxy?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-browser-'));
  const script = join(dir, 'browser.sh');
  const unset = options.withoutProxy ? 'unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy NO_PROXY no_proxy\n' : '';
  writeFileSync(script, `#!/bin/sh\n${unset}sleep ${delaySeconds}\nexec "${process.execPath}" "${BROWSER}" "$@"\n`, { mode: 0o755 });
  return script;
}
