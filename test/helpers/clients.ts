// The published MCP clients that test/clients/ drives (installed at pinned versions by .ci/install into
// .tmp/client-tools): where their binaries are, isolated configurations that start mcp-tether with the workspace's
// environment, a runner that records a run and kills what it leaves behind, and loopback stubs of the model APIs
// (so an agent decides to call a tool with no key and no network).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../bridge/drivers.js';
import type { Stack } from '../fixtures/stack.js';
import { CLI, signins, waitForSignins, type Workspace } from './ide.js';
import { keychainRecord } from './secrets.js';

type Json = Record<string, unknown>;

const TOOLS = fileURLToPath(new URL('../../.tmp/client-tools/', import.meta.url));

/** The server name every client's configuration gives mcp-tether. */
export const SERVER = 'tether';

function installed(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is not installed at ${path}: run bash .ci/install (it installs the pinned MCP clients into .tmp/client-tools)`);
  return path;
}

export const clients = {
  /** MCP Inspector 2.12.0, run by the Node 22 installed beside it (it declares engines node >=22.19). */
  inspector: () => ({
    node: installed(join(TOOLS, 'inspector/node_modules/node/bin/node'), 'Node 22 (for the MCP Inspector)'),
    script: installed(join(TOOLS, 'inspector/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js'), 'MCP Inspector'),
  }),
  /** Claude Code 2.1.332: a native binary. */
  claude: () => installed(join(TOOLS, 'claude-code/node_modules/@anthropic-ai/claude-code/bin/claude.exe'), 'Claude Code'),
  /** Gemini CLI 0.61.0: a bundle for Node 20. */
  gemini: () => installed(join(TOOLS, 'gemini-cli/node_modules/@google/gemini-cli/bundle/gemini.js'), 'Gemini CLI'),
  /** Codex 0.171.0: the native binary, as IDE extensions start it (the npm wrapper would sit between us and it). */
  codex: () => installed(join(TOOLS, 'codex/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex'), 'Codex'),
};

/** mcp-tether as every client starts it: `node <repo>/bin/mcp-tether.js <server-url>`. */
export function tetherCommand(serverUrl: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [CLI, serverUrl] };
}

// ---------------------------------------------------------------------------------------------------------------
// Running a client

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const started = new Set<ChildProcess>();

/** Runs a client to its end (stdin closed at once), killing it after `timeoutMs`. */
export function runClient(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** A long-lived client spoken to over newline-delimited JSON on stdin/stdout. */
export class JsonLinesClient {
  readonly child: ChildProcess;
  readonly messages: Array<Record<string, unknown>> = [];
  readonly t0 = Date.now();
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private partial = '';
  private readonly waiters = new Set<() => void>();

  constructor(command: string, args: string[], options: { env: Record<string, string>; cwd?: string }) {
    this.child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    started.add(this.child);
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.partial += chunk.toString('utf8');
      let newline = this.partial.indexOf('\n');
      while (newline !== -1) {
        const line = this.partial.slice(0, newline).trim();
        this.partial = this.partial.slice(newline + 1);
        if (line) {
          try {
            this.messages.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not JSON: ignored
          }
        }
        newline = this.partial.indexOf('\n');
      }
      for (const wake of this.waiters) wake();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.stdin?.on('error', () => undefined);
    this.child.on('close', (code, signal) => {
      this.exit = { code, signal };
      started.delete(this.child);
      for (const wake of this.waiters) wake();
    });
  }

  send(message: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** The first message at index >= `from` that matches, within `timeoutMs`. */
  next(match: (message: Record<string, unknown>) => boolean, timeoutMs: number, from = 0): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.messages.slice(from).find(match);
        if (found !== undefined) done(() => resolve(found));
        else if (this.exit !== undefined) done(() => reject(new Error(`the client exited (${JSON.stringify(this.exit)}) before the message came; stderr:\n${this.stderr.slice(-3_000)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no matching message within ${timeoutMs} ms; last messages:\n${this.messages.slice(-8).map((m) => JSON.stringify(m).slice(0, 400)).join('\n')}\nstderr:\n${this.stderr.slice(-3_000)}`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Closes stdin and waits for the exit, killing it after `timeoutMs`. */
  async end(timeoutMs = 10_000): Promise<void> {
    this.child.stdin?.end();
    const deadline = Date.now() + timeoutMs;
    while (this.exit === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }
}

/**
 * Kills, by pid, every process this file started that still runs, and every process running with the
 * workspace's HOME (mcp-tether, its detached sign-in worker, the sign-in browser): clients do not reap them.
 */
export function killLeftovers(...workspaces: Workspace[]): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
  const homes = workspaces.map((ws) => `HOME=${ws.home}`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (environ.split('\0').some((variable) => homes.includes(variable))) {
      try {
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Isolated configurations

/** A client's environment: nothing of ours leaks in; the workspace's HOME, PATH and keyring session. */
function baseEnv(ws: Workspace, extra: Record<string, string>): Record<string, string> {
  return { ...ws.env, TERM: 'dumb', NO_COLOR: '1', ...extra };
}

/** Inspector CLI arguments that start mcp-tether with the workspace's environment (`-e K=V`). */
export function inspectorArgs(serverUrl: string, ws: Workspace, method: string[]): { command: string; args: string[]; env: Record<string, string> } {
  const { node, script } = clients.inspector();
  const tether = tetherCommand(serverUrl);
  const envArgs = Object.entries(ws.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  return {
    command: node,
    args: [script, '--cli', ...envArgs, '--format', 'json', ...method, '--', tether.command, ...tether.args],
    env: baseEnv(ws, { MCP_CATALOG_PATH: join(ws.home, 'inspector-catalog.json'), MCP_CLIENT_CONFIG_PATH: join(ws.home, 'inspector-client.json'), DO_NOT_TRACK: '1' }),
  };
}

/** Claude Code, offline: its config in $CLAUDE_CONFIG_DIR, the API at `apiBaseUrl` (a closed port unless a stub runs). */
export function claudeEnv(ws: Workspace, apiBaseUrl = 'http://127.0.0.1:9'): Record<string, string> {
  return baseEnv(ws, {
    CLAUDE_CONFIG_DIR: join(ws.home, '.claude'),
    ANTHROPIC_BASE_URL: apiBaseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    DISABLE_NON_ESSENTIAL_MODEL_CALLS: '1',
    CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
  });
}

/** The `mcpServers` entry for mcp-tether, with the workspace's environment in `env`. */
export function stdioServerEntry(serverUrl: string, ws: Workspace): { command: string; args: string[]; env: Record<string, string> } {
  return { ...tetherCommand(serverUrl), env: { ...ws.env } };
}

/** Writes mcp-tether as a user-scope server of Claude Code ($CLAUDE_CONFIG_DIR/.claude.json) and returns the project dir. */
export function writeClaudeUserConfig(serverUrl: string, ws: Workspace): string {
  const dir = join(ws.home, '.claude');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.claude.json'), JSON.stringify({ mcpServers: { [SERVER]: { type: 'stdio', ...stdioServerEntry(serverUrl, ws) } } }, null, 2));
  return project(ws);
}

/** Writes an --mcp-config file for a Claude Code session and returns its path. */
export function writeClaudeMcpConfig(serverUrl: string, ws: Workspace): string {
  const path = join(ws.home, 'mcp.json');
  writeFileSync(path, JSON.stringify({ mcpServers: { [SERVER]: { type: 'stdio', ...stdioServerEntry(serverUrl, ws) } } }, null, 2));
  return path;
}

/** An empty project folder to run a client in. */
export function project(ws: Workspace): string {
  const dir = join(ws.home, 'project');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Gemini CLI's environment: its home ($GEMINI_CLI_HOME/.gemini) in the workspace, the folder trusted. */
export function geminiEnv(ws: Workspace, extra: Record<string, string> = {}): Record<string, string> {
  return baseEnv(ws, { GEMINI_CLI_HOME: ws.home, GEMINI_CLI_TRUST_WORKSPACE: 'true', GEMINI_TELEMETRY_ENABLED: 'false', ...extra });
}

/** Writes $HOME/.gemini/settings.json with mcp-tether as a server; `apiKey`: auth by GEMINI_API_KEY (for a stub). */
export function writeGeminiSettings(serverUrl: string, ws: Workspace, server: Record<string, unknown> = {}, apiKey = false): void {
  const dir = join(ws.home, '.gemini');
  mkdirSync(dir, { recursive: true });
  const settings = {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: { folderTrust: { enabled: false }, ...(apiKey ? { auth: { selectedType: 'gemini-api-key' } } : {}) },
    mcpServers: { [SERVER]: { ...stdioServerEntry(serverUrl, ws), ...server } },
  };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * Writes $CODEX_HOME/config.toml: nothing leaves loopback (a loopback model provider, no plugin sync, no
 * analytics), and mcp-tether as a server with the workspace's environment and the default startup_timeout_sec.
 */
export function writeCodexConfig(serverUrl: string, ws: Workspace, modelBaseUrl = 'http://127.0.0.1:9/v1'): Record<string, string> {
  const codexHome = join(ws.home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const q = (value: string): string => JSON.stringify(value); // a TOML basic string, for these values
  const tether = tetherCommand(serverUrl);
  const toml = `model = "gpt-stub"
model_provider = "stub"
approval_policy = "never"
sandbox_mode = "read-only"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[history]
persistence = "none"

[otel]
exporter = "none"

[features]
plugins = false
remote_plugin = false
plugin_sharing = false
apps = false
tool_suggest = false
in_app_updates = false
skill_mcp_dependency_install = false

[model_providers.stub]
name = "loopback stub"
base_url = ${q(modelBaseUrl)}
env_key = "OPENAI_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[mcp_servers.${SERVER}]
command = ${q(tether.command)}
args = [${tether.args.map(q).join(', ')}]
default_tools_approval_mode = "approve"

[mcp_servers.${SERVER}.env]
${Object.entries(ws.env).map(([key, value]) => `${key} = ${q(value)}`).join('\n')}
`;
  writeFileSync(join(codexHome, 'config.toml'), toml);
  return baseEnv(ws, { CODEX_HOME: codexHome, OPENAI_API_KEY: 'dummy', RUST_LOG: 'warn' });
}

// ---------------------------------------------------------------------------------------------------------------
// Loopback model APIs

export interface ModelStub {
  url: string;
  /** Every request body, parsed. */
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

function listen(handle: (path: string, body: Record<string, unknown>, res: import('node:http').ServerResponse) => void, requests: ModelStub['requests']): Promise<ModelStub> {
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        // not JSON
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ path, body });
      handle(req.url ?? '/', body, res);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

type Block = { type: string; text?: string; content?: unknown; name?: string };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Block[]).map((block) => block.text ?? textOf(block.content)).join('');
  return '';
}

/**
 * The Anthropic Messages API as Claude Code uses it: when the request offers a tool named `*__<tool>`, the "model"
 * calls it with {}; after a tool result it answers "tool said: <result>"; otherwise "stub-ok".
 */
export function anthropicStub(tool: string): Promise<ModelStub> {
  let n = 0;
  return listen((url, body, res) => {
    const path = url.split('?')[0];
    if (path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    if (path !== '/v1/messages') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `stub: ${path}` } }));
      return;
    }
    const messages = (body.messages as Array<{ content: unknown }> | undefined) ?? [];
    const last = messages[messages.length - 1]?.content;
    const result = Array.isArray(last) ? (last as Block[]).find((block) => block.type === 'tool_result') : undefined;
    const offered = ((body.tools as Block[] | undefined) ?? []).map((t) => t.name ?? '').find((name) => name.endsWith(`__${tool}`));
    n += 1;
    const content = result
      ? [{ type: 'text', text: `tool said: ${textOf(result.content)}` }]
      : offered
        ? [{ type: 'tool_use', id: `toolu_stub_${n}`, name: offered, input: {} }]
        : [{ type: 'text', text: 'stub-ok' }];
    const stop = content[0]?.type === 'tool_use' ? 'tool_use' : 'end_turn';
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const message = { id: `msg_stub_${n}`, type: 'message', role: 'assistant', model: body.model ?? 'stub', content, stop_reason: stop, stop_sequence: null, usage };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (type: string, data: Record<string, unknown>): boolean => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
    const block = content[0] as Record<string, unknown>;
    if (block.type === 'text') {
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: block.text } });
    } else {
      event('content_block_start', { index: 0, content_block: { ...block, input: {} } });
      event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } });
    }
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
    event('message_stop', {});
    res.end();
  }, []);
}

/**
 * The Gemini API as Gemini CLI uses it (`GOOGLE_GEMINI_BASE_URL`): when the request declares a function named
 * `*_<tool>`, the "model" calls it; after its response, it answers "tool said: <response>". When only
 * `*_mcp_tether_sign_in` is declared (the user has not signed in yet), it waits for `signedIn()` and then calls that
 * tool, as an agent asked to wait for the sign-in would, so that Gemini CLI asks again with its current tools.
 * Side calls (routing, next-speaker checks with a JSON schema) get a plain answer.
 */
export function geminiStub(tool: string, signedIn: () => Promise<void>): Promise<ModelStub> {
  return listen((url, body, res) => {
    const declared = ((body.tools as Array<{ functionDeclarations?: Array<{ name: string }> }> | undefined) ?? []).flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name);
    const parts = ((body.contents as Array<{ parts?: Json[] }> | undefined) ?? []).flatMap((c) => c.parts ?? []);
    const responses = parts.map((p) => p.functionResponse as { name: string; response: unknown } | undefined).filter((r) => r !== undefined);
    const wanted = declared.find((name) => name.endsWith(`_${tool}`));
    const answered = responses.find((r) => r.name.endsWith(`_${tool}`));
    const signIn = declared.find((name) => name.endsWith('_mcp_tether_sign_in'));
    const send = (answer: Json[]): void => {
      const payload = { candidates: [{ content: { role: 'model', parts: answer }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 }, modelVersion: 'stub' };
      if (url.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify(payload)}\n\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      }
    };
    if (url.includes(':countTokens')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ totalTokens: 1 }));
    } else if (answered) send([{ text: `tool said: ${JSON.stringify(answered.response)}` }]);
    else if (wanted) send([{ functionCall: { name: wanted, args: {} } }]);
    else if (signIn) {
      signedIn().then(
        () => send([{ functionCall: { name: signIn, args: {} } }]),
        (error: unknown) => {
          // The test fails on what the user would see (no answer from the tool); the stub must not crash the runner.
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 500, message: `stub: the sign-in did not finish: ${String(error)}` } }));
        },
      );
    }
    else if ((body.generationConfig as Json | undefined)?.responseMimeType === 'application/json') send([{ text: '{"reasoning":"stub","next_speaker":"user","model_choice":"flash"}' }]);
    else send([{ text: 'stub answer' }]);
  }, []);
}

// ---------------------------------------------------------------------------------------------------------------
// The story of the list-and-quit clients (`claude mcp list`, `gemini mcp list`)

/**
 * Starts a client that lists and quits, repeatedly, during and after one slow browser sign-in, and checks what a user
 * would notice: every start reports `connected`, the sign-in outlives them all and stores the tokens, the starts
 * after it open no browser, and the whole story costs exactly one browser sign-in.
 */
export async function listAndQuitStory(stack: Stack, ws: Workspace, start: () => Promise<string>, connected: string): Promise<void> {
  // The first start opens the browser and quits while the user is still signing in; a second one joins that sign-in.
  for (let during = 0; during < 2; during++) {
    const status = await start();
    if (status !== connected) throw new Error(`start ${during + 1} during the sign-in reported "${status}", not "${connected}"`);
  }
  if (keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined) throw new Error('the sign-in ended before the user finished it');
  // The user finishes in the browser; the sign-in, outliving both starts, stores the tokens.
  if (!(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined, 45_000))) throw new Error('no tokens in the keychain');
  const page = (await waitForSignins(ws, 1))[0]?.text ?? '';
  if (!page.includes('Signed in')) throw new Error(`the browser page says: ${page}`);
  for (let after = 0; after < 2; after++) {
    const status = await start();
    if (status !== connected) throw new Error(`start ${after + 1} after the sign-in reported "${status}", not "${connected}"`);
  }
  const { authorizationRequests, codeGrants } = stack.as.counts;
  if (authorizationRequests !== 1 || codeGrants !== 1 || signins(ws).length !== 1) {
    throw new Error(`expected one browser sign-in, saw ${authorizationRequests} authorization requests, ${codeGrants} code grants, ${signins(ws).length} browser pages`);
  }
}
