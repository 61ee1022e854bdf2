// An IDE stand-in: spawns the built CLI the way Kiro or Claude Desktop do (a command speaking stdio) and talks
// to it with the MCP SDK's Client. Each instance gets its own HOME and a headless-Chromium "system browser".
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const CLI = fileURLToPath(new URL('../../bin/mcp-tether.js', import.meta.url));
export const BROWSER = fileURLToPath(new URL('../fixtures/browser-signin.mjs', import.meta.url));

export interface Workspace {
  home: string;
  signinLog: string;
  env: Record<string, string>;
}

/** A fresh HOME for one user of mcp-tether, with the sign-in browser wired through $BROWSER. */
export function workspace(extraEnv: Record<string, string> = {}): Workspace {
  const home = mkdtempSync(join(tmpdir(), 'tether-home-'));
  const signinLog = join(home, 'signin.log');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    BROWSER,
    SIGNIN_LOG: signinLog,
    ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
    ...(process.env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR } : {}),
    ...extraEnv,
  };
  return { home, signinLog, env };
}

export interface SigninRecord {
  kind?: string;
  url: string;
  status: number;
  text: string;
}

/** What the browser was shown at the callback, one record per page. */
export function signins(ws: Workspace): SigninRecord[] {
  if (!existsSync(ws.signinLog)) return [];
  return readFileSync(ws.signinLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SigninRecord);
}

/**
 * The user who opens the printed sign-in URL by hand (no system browser): watches stderr for the authorization
 * URL and completes it with the headless browser, outside the CLI's environment.
 */
export function openPrintedUrl(ws: Workspace): (stderrSoFar: string) => void {
  let opened = false;
  return (stderrSoFar) => {
    const url = /^(https?:\/\/\S+\/auth\?\S+)$/m.exec(stderrSoFar)?.[1];
    if (opened || !url) return;
    opened = true;
    openInBrowser(ws, url);
  };
}

/** The user opens `url` in the headless browser by hand, outside the CLI's environment. */
export function openInBrowser(ws: Workspace, url: string): void {
  const env = { PATH: process.env.PATH ?? '', HOME: ws.home, SIGNIN_LOG: ws.signinLog };
  spawn(process.execPath, [BROWSER, url], { env, stdio: 'ignore' }).unref();
}

/** The browser records a page after it loads, which may be just after the IDE heard the outcome. */
export async function waitForSignins(ws: Workspace, count: number, timeoutMs = 10_000): Promise<SigninRecord[]> {
  const deadline = Date.now() + timeoutMs;
  while (signins(ws).length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return signins(ws);
}

export interface Ide {
  client: Client;
  transport: StdioClientTransport;
  /** Everything the CLI printed on stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

export interface IdeOptions {
  args?: string[];
  /** The mcp-tether command to start (default: the checkout's bin/mcp-tether.js). */
  cli?: string;
  env?: Record<string, string>;
  /** initialize timeout in ms (the SDK's request timeout). */
  timeoutMs?: number;
  capabilities?: Record<string, unknown>;
  /** Show the CLI's stderr on ours (the demo) instead of capturing it. */
  stderrInherit?: boolean;
  /** Called with the CLI's stderr as it grows (before initialize completes, too). */
  onStderr?: (stderrSoFar: string) => void;
  /** The SDK's stdio reader drops lines over 10 MiB by default; an IDE taking large results raises it. */
  maxBufferSize?: number;
}

/** Starts mcp-tether as the IDE would, then connects (initialize + initialized). */
export async function startIde(serverUrl: string, ws: Workspace, options: IdeOptions = {}): Promise<Ide> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [options.cli ?? CLI, serverUrl, ...(options.args ?? [])],
    env: { ...ws.env, ...options.env },
    stderr: options.stderrInherit ? 'inherit' : 'pipe',
    ...(options.maxBufferSize !== undefined ? { maxBufferSize: options.maxBufferSize } : {}),
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    options.onStderr?.(stderr);
  });
  const client = new Client({ name: 'ide-stand-in', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  await client.connect(transport, { timeout: options.timeoutMs ?? 60_000 });
  return {
    client,
    transport,
    stderr: () => stderr,
    close: async () => {
      await client.close();
    },
  };
}

/**
 * An IDE that starts mcp-tether and calls `whoami`, where that is expected to fail: what the IDE was told (the error's
 * message and data, from the start or the call) and mcp-tether's stderr. The IDE is closed afterwards.
 */
export async function refusedCall(serverUrl: string, ws: Workspace, options: IdeOptions = {}): Promise<{ told: string; stderr: string }> {
  let stderr = '';
  const onStderr = (text: string): void => {
    stderr = text;
    options.onStderr?.(text);
  };
  const told = await startIde(serverUrl, ws, { ...options, onStderr })
    .then(async (ide) => {
      try {
        await ide.client.callTool({ name: 'whoami', arguments: {} });
        return 'the call succeeded';
      } finally {
        await ide.close();
      }
    })
    .catch((error: unknown) => `${String((error as { message?: unknown }).message)} ${JSON.stringify((error as { data?: unknown }).data ?? null)}`);
  return { told, stderr };
}

/**
 * The tool names, as an IDE sees them once it has followed list_changed: while the user signs in, mcp-tether
 * answers tools/list with an empty list and announces the real one afterwards.
 */
export async function toolNames(ide: Ide, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = (await ide.client.listTools()).tools.map((tool) => tool.name);
    if (names.length > 0 || Date.now() > deadline) return names;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The text of a tool result's first content block. */
export function text(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((block) => block.text ?? '').join('');
}
