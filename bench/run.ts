// Benchmark: mcp-tether against a direct MCP SDK client in the same run: cold start to an answered initialize,
// per-call latency of a small tool, a 20 MB argument and a 20 MB result (time and peak memory), and install footprint.
// Prints a table and a one-line summary; writes no files.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client, LATEST_PROTOCOL_VERSION, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startStack } from '../test/fixtures/stack.js';
import { CLI, startIde, text, workspace, type Ide, type Workspace } from '../test/helpers/ide.js';
import { keychainRecord } from '../test/helpers/secrets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIRECT_CLIENT = fileURLToPath(new URL('./direct-client.mjs', import.meta.url));
const STACK_SERVER = fileURLToPath(new URL('./stack-server.ts', import.meta.url));
/** BENCH_SERVER=inprocess hosts the servers in this process (the direct client then never crosses a process boundary). */
const SERVER_IN_PROCESS = process.env.BENCH_SERVER === 'inprocess';

const COLD_ROUNDS = envInt('BENCH_COLD_ROUNDS', 15);
const COLD_WARMUP = envInt('BENCH_COLD_WARMUP', 2);
const CALL_WARMUP = 300;
const CALLS = envInt('BENCH_CALLS', 1000);
const CHILD_TIMEOUT_MS = 30_000;
const LARGE_ROUNDS = envInt('BENCH_LARGE_ROUNDS', 7);
const LARGE_WARMUP = envInt('BENCH_LARGE_WARMUP', 2);
/** BENCH_NODE_ARGS: extra node flags for the two 20 MB processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

// ---------- statistics ----------

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // nearest-rank on a sorted copy
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

const median = (values: readonly number[]): number => quantile(values, 0.5);
const p90 = (values: readonly number[]): number => quantile(values, 0.9);

function ms(value: number, digits = 1): string {
  return `${value.toFixed(digits)} ms`;
}

// ---------- child processes ----------

interface LineWaiter {
  /** Resolves with the first stdout line satisfying `match`. */
  line: Promise<string>;
}

function watchLines(child: ChildProcessWithoutNullStreams, match: (line: string) => boolean, label: string): LineWaiter {
  let stderr = '';
  const onStderr = (chunk: Buffer): void => {
    stderr += chunk.toString('utf8');
  };
  child.stderr.on('data', onStderr);
  const line = new Promise<string>((resolve, reject) => {
    let buffered = '';
    const done = (): void => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onStderr);
      child.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${label}: no answer within ${CHILD_TIMEOUT_MS} ms; stderr:\n${stderr}`));
    }, CHILD_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const current = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (match(current)) {
          done();
          resolve(current);
          return;
        }
        newline = buffered.indexOf('\n');
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      reject(new Error(`${label}: exited (${code ?? signal}) before answering; stderr:\n${stderr}`));
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  // keep draining both pipes after the match so the child never blocks on a full one
  child.stdout.resume();
  child.stderr.resume();
  return { line };
}

/** Waits for the child to exit; kills it if it lingers. */
async function reap(child: ChildProcessWithoutNullStreams, label: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`bench: ${label} did not exit within 10 s after its work; killing pid ${child.pid}\n`);
      child.kill('SIGKILL');
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResponseTo(id: number): (line: string) => boolean {
  return (line) => {
    try {
      const message: unknown = JSON.parse(line);
      return isRecord(message) && message.id === id && ('result' in message || 'error' in message);
    } catch {
      return false;
    }
  };
}

const INITIALIZE_LINE =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench-ide', version: '1.0.0' } },
  }) + '\n';

/** mcp-tether cold start: spawn, write initialize at once, time to the initialize response line. */
async function coldTether(url: string, ws: Workspace): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, url], { env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.write(INITIALIZE_LINE);
  const watcher = watchLines(child, isResponseTo(1), 'mcp-tether');
  try {
    const line = await watcher.line;
    const elapsed = performance.now() - started;
    const message: unknown = JSON.parse(line);
    if (!isRecord(message) || !('result' in message)) throw new Error(`mcp-tether answered initialize with an error: ${line}`);
    return elapsed;
  } finally {
    child.stdin.end();
    await reap(child, 'mcp-tether');
  }
}

/** Direct cold start: a fresh node process running the SDK client with the bearer token. */
async function coldDirect(url: string, ws: Workspace, token: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [DIRECT_CLIENT], {
    cwd: ROOT,
    env: { ...ws.env, BENCH_URL: url, BENCH_TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const watcher = watchLines(child, (line) => line === 'initialized', 'direct client');
  try {
    await watcher.line;
    return performance.now() - started;
  } finally {
    child.stdin.end();
    await reap(child, 'direct client');
  }
}

// ---------- per-call latency ----------

async function echo(client: Client): Promise<number> {
  const started = performance.now();
  const result = await client.callTool({ name: 'echo', arguments: { text: 'ping' } });
  const elapsed = performance.now() - started;
  if (text(result) !== 'ping') throw new Error(`echo returned ${JSON.stringify(result)}`);
  return elapsed;
}

async function connectDirect(url: string, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'bench-direct', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

// ---------- install footprint ----------

function installFootprint(): number {
  const result = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw result.error;
  const paths = new Set(
    result.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  paths.delete(ROOT.replace(/\/$/, ''));
  return paths.size;
}

// ---------- main ----------

interface Pair {
  tether: number[];
  direct: number[];
}

/** The two 20 MB measures: the tool, its arguments, and the text its result must carry. */
const LARGE_SIZE = 20 * 1024 * 1024;
const LARGE_CALLS = {
  argument: { tool: 'length', arguments: { text: 'x'.repeat(LARGE_SIZE) } },
  result: { tool: 'fill', arguments: { length: LARGE_SIZE } },
} as const;

interface Figures {
  /** 1-minute load average before and after, to judge how noisy the machine was */
  load: [number, number];
  cold: { tether: number[]; direct: number[] };
  call: { tether: number[]; direct: number[] };
  large: { argument: Pair; result: Pair; tetherPeakMb: number; directPeakMb: number };
  packages: number;
}

/** The servers under test: in this process, or (default) in a child process like a real remote server. */
interface Servers {
  url: string;
  close(): Promise<void>;
}

async function startServers(): Promise<Servers> {
  if (SERVER_IN_PROCESS) {
    const stack = await startStack({ accessTokenTtl: 3600 });
    return { url: stack.mcp.url, close: () => stack.close() };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', STACK_SERVER], { cwd: ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const watcher = watchLines(child, (line) => line.startsWith('{'), 'stack server');
  child.stderr.pipe(process.stderr);
  let url: string;
  try {
    const parsed: unknown = JSON.parse(await watcher.line);
    if (!isRecord(parsed) || typeof parsed.url !== 'string') throw new Error('stack server printed no url');
    url = parsed.url;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    close: async () => {
      child.stdin.end();
      await reap(child, 'stack server');
    },
  };
}

async function measure(url: string, ws: Workspace): Promise<Figures> {
  const loadBefore = loadavg()[0] ?? Number.NaN;

  // Sign in once so the keychain holds tokens for every later start.
  process.stderr.write('bench: signing in once through the browser…\n');
  const first = await startIde(url, ws, { env: { SIGNIN_USER: 'alice' } });
  try {
    const who = text(await first.client.callTool({ name: 'whoami', arguments: {} }));
    if (who !== 'alice') throw new Error(`whoami returned ${who}`);
  } finally {
    await first.close();
  }
  const token = keychainRecord(ws.home, url)?.tokens?.access_token;
  if (!token) throw new Error('no access token in the keychain after sign-in');

  // 1. Cold start, alternating, after warm-up.
  process.stderr.write(`bench: cold start, ${COLD_WARMUP} warm-up + ${COLD_ROUNDS} rounds each…\n`);
  const cold = { tether: [] as number[], direct: [] as number[] };
  for (let round = 0; round < COLD_WARMUP + COLD_ROUNDS; round += 1) {
    const keep = round >= COLD_WARMUP;
    // alternate which side goes first so neither always runs on the warmer machine state
    const order = round % 2 === 0 ? (['tether', 'direct'] as const) : (['direct', 'tether'] as const);
    for (const side of order) {
      const elapsed = side === 'tether' ? await coldTether(url, ws) : await coldDirect(url, ws, token);
      if (keep) cold[side].push(elapsed);
    }
  }

  // 2. Per-call latency, interleaved blocks of 100.
  process.stderr.write(`bench: per-call latency, ${CALL_WARMUP} warm-up + ${CALLS} calls each…\n`);
  const call = { tether: [] as number[], direct: [] as number[] };
  let ide: Ide | undefined;
  let direct: Client | undefined;
  try {
    ide = await startIde(url, ws);
    direct = await connectDirect(url, token);
    const sides = { tether: ide.client, direct };
    // one call each in turn, alternating which goes first, so that the machine's drift touches both alike
    for (let round = 0; round < CALL_WARMUP + CALLS; round += 1) {
      const order = round % 2 === 0 ? (['tether', 'direct'] as const) : (['direct', 'tether'] as const);
      for (const side of order) {
        const elapsed = await echo(sides[side]);
        if (round >= CALL_WARMUP) call[side].push(elapsed);
      }
    }
  } finally {
    await Promise.allSettled([ide?.close(), direct?.close()]);
  }

  // 3. A 20 MB argument (small result), then a 20 MB result (small argument): time per call, and the peak memory of
  //    each process doing the work (mcp-tether; the direct SDK client in a node process of its own).
  process.stderr.write(`bench: 20 MB argument, 20 MB result, ${LARGE_WARMUP} warm-up + ${LARGE_ROUNDS} calls each…\n`);
  const large: Figures['large'] = { argument: { tether: [], direct: [] }, result: { tether: [], direct: [] }, tetherPeakMb: 0, directPeakMb: 0 };
  const lineIde = new LineIde(url, ws);
  const directChild = spawn(process.execPath, [...NODE_ARGS, DIRECT_CLIENT], {
    cwd: ROOT,
    env: { ...ws.env, BENCH_URL: url, BENCH_TOKEN: token, BENCH_LARGE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    await watchLines(directChild, (line) => line === 'initialized', 'direct client (20 MB)').line;
    await lineIde.request(1, 'initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    lineIde.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    let id = 100;
    for (const kind of ['argument', 'result'] as const) {
      const call = LARGE_CALLS[kind];
      for (let round = 0; round < LARGE_WARMUP + LARGE_ROUNDS; round += 1) {
        const counted = round >= LARGE_WARMUP; // the first calls also pay for compiling and growing the heap
        let started = performance.now();
        const line = await lineIde.request((id += 1), 'tools/call', { name: call.tool, arguments: call.arguments });
        if (counted) large[kind].tether.push(performance.now() - started);
        const expected = kind === 'argument' ? `"text":"${LARGE_SIZE}"` : undefined;
        if (expected ? !line.includes(expected) : line.length < LARGE_SIZE) throw new Error(`the 20 MB ${kind} through mcp-tether came back wrong: ${line.slice(0, 200)}`);
        started = performance.now();
        const done = watchLines(directChild, (answer) => answer.startsWith('done '), 'direct client (20 MB)').line;
        directChild.stdin.write(`${kind}\n`);
        const answer = await done;
        if (counted) large[kind].direct.push(performance.now() - started);
        if (answer !== `done ${LARGE_SIZE}`) throw new Error(`the direct 20 MB ${kind} came back as "${answer}"`);
      }
    }
    large.tetherPeakMb = lineIde.child.pid ? peakRssMb(lineIde.child.pid) : Number.NaN;
    large.directPeakMb = directChild.pid ? peakRssMb(directChild.pid) : Number.NaN;
  } finally {
    directChild.stdin.end();
    await Promise.allSettled([lineIde.close(), reap(directChild, 'direct client (20 MB)')]);
  }

  // 4. Install footprint.
  const packages = installFootprint();
  return { load: [loadBefore, loadavg()[0] ?? Number.NaN], cold, call, large, packages };
}

/**
 * An IDE that reads stdout without copying its buffer on every chunk (the SDK's stdio reader does, which alone
 * costs seconds on a 20 MB line): the figure then shows mcp-tether's own cost.
 */
class LineIde {
  readonly child: ChildProcessWithoutNullStreams;
  private pieces: Buffer[] = [];
  private waiting: ((line: string) => void) | undefined;

  constructor(url: string, ws: Workspace) {
    this.child = spawn(process.execPath, [...NODE_ARGS, CLI, url], { env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.resume();
    this.child.stdout.on('data', (chunk: Buffer) => {
      let start = 0;
      let end = chunk.indexOf(10);
      while (end !== -1) {
        this.pieces.push(chunk.subarray(start, end));
        const line = Buffer.concat(this.pieces).toString('utf8');
        this.pieces = [];
        this.waiting?.(line);
        start = end + 1;
        end = chunk.indexOf(10, start);
      }
      if (start < chunk.length) this.pieces.push(chunk.subarray(start));
    });
  }

  /** Sends a request and resolves with the raw answer line. */
  request(id: number, method: string, params: Record<string, unknown>): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = (line) => {
        if (line.startsWith(`{"jsonrpc":"2.0","id":${id},`) || line.includes(`"id":${id}`)) resolve(line);
      };
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await reap(this.child, 'mcp-tether (20 MB)');
  }
}

/** A process's peak resident memory (VmHWM), in MiB. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function report(figures: Figures): void {
  const { load, cold, call, large, packages } = figures;
  const ratio = (pair: Pair, at: (values: readonly number[]) => number): string => `${(at(pair.tether) / at(pair.direct)).toFixed(2)}x`;
  const memoryRatio = `${(large.tetherPeakMb / large.directPeakMb).toFixed(2)}x`;
  const coldRatio = median(cold.tether) / median(cold.direct);
  const callOverhead = median(call.tether) - median(call.direct);
  const callRatio = median(call.tether) / median(call.direct);
  const rows: Array<[string, string, string, string, string]> = [
    ['measure', 'mcp-tether', 'direct SDK', 'tether/direct', 'target'],
    ['cold start p50', ms(median(cold.tether)), ms(median(cold.direct)), `${coldRatio.toFixed(2)}x`, '<= 1.2x'],
    ['cold start p90', ms(p90(cold.tether)), ms(p90(cold.direct)), `${(p90(cold.tether) / p90(cold.direct)).toFixed(2)}x`, ''],
    ['echo call p50', ms(median(call.tether), 3), ms(median(call.direct), 3), `${callRatio.toFixed(2)}x`, `+${callOverhead.toFixed(3)} ms (< 0.3)`],
    ['echo call p90', ms(p90(call.tether), 3), ms(p90(call.direct), 3), `${(p90(call.tether) / p90(call.direct)).toFixed(2)}x`, ''],
    ...(['argument', 'result'] as const).flatMap((kind): Array<[string, string, string, string, string]> => [
      [`20 MB ${kind} p50`, ms(median(large[kind].tether)), ms(median(large[kind].direct)), ratio(large[kind], median), '<= 1.5x'],
      [`20 MB ${kind} p90`, ms(p90(large[kind].tether)), ms(p90(large[kind].direct)), ratio(large[kind], p90), ''],
    ]),
    ['20 MB peak memory', `${large.tetherPeakMb.toFixed(0)} MB`, `${large.directPeakMb.toFixed(0)} MB`, memoryRatio, '<= 1.5x (peak RSS of each process)'],
    ['install (prod pkgs)', String(packages), '', '', '< 30'],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  process.stdout.write(
    [
      `machine: ${cpus().length} CPUs, 1-min load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after; ` +
        `servers ${SERVER_IN_PROCESS ? 'in the bench process' : 'in their own process'}`,
      `cold start: n=${cold.tether.length} each (after ${COLD_WARMUP} warm-up); echo: n=${call.tether.length} each (after ${CALL_WARMUP} warm-up), one call each in turn; 20 MB: n=${large.argument.tether.length} each (after ${LARGE_WARMUP} warm-up)`,
      ...lines,
      `bench: cold start ${coldRatio.toFixed(2)}x (tether ${median(cold.tether).toFixed(0)} ms, direct ${median(cold.direct).toFixed(0)} ms); ` +
        `per call p50 ${callOverhead >= 0 ? '+' : ''}${callOverhead.toFixed(2)} ms (${callRatio.toFixed(2)}x); 20 MB argument ${ratio(large.argument, median)}, result ${ratio(large.result, median)}, peak memory ${memoryRatio}; install ${packages} packages`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const servers = await startServers();
  const ws = workspace();
  try {
    report(await measure(servers.url, ws));
  } finally {
    await servers.close();
    rmSync(ws.home, { recursive: true, force: true });
  }
}

await main();
