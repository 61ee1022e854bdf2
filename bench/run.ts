// Benchmark: mcp-tether against a direct MCP SDK client in the same run: cold start to an answered initialize and to
// the first answered tools/list, idle memory, per-call latency of a small tool, a 20 MB argument and a 20 MB result
// (time and peak memory), and the install footprint of the packed package (beside mcp-remote 0.15.1's). Prints a table
// and a one-line summary; writes no files outside a temporary folder.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client, LATEST_PROTOCOL_VERSION, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startStack } from '../test/fixtures/stack.js';
import { CLI as DIST_CLI, startIde, text, workspace, type Ide, type Workspace } from '../test/helpers/ide.js';
import { keychainRecord } from '../test/helpers/secrets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIRECT_CLIENT = fileURLToPath(new URL('./direct-client.mjs', import.meta.url));
const RELAY = fileURLToPath(new URL('./relay.mjs', import.meta.url));
const STACK_SERVER = fileURLToPath(new URL('./stack-server.ts', import.meta.url));
/** BENCH_SERVER=inprocess hosts the servers in this process (the direct client then never crosses a process boundary). */
const SERVER_IN_PROCESS = process.env.BENCH_SERVER === 'inprocess';

const COLD_ROUNDS = envInt('BENCH_COLD_ROUNDS', 15);
const COLD_WARMUP = envInt('BENCH_COLD_WARMUP', 2);
const CALL_WARMUP = 300;
const CALLS = envInt('BENCH_CALLS', 1000);
/** Throughput: this many echo calls, with THROUGHPUT_IN_FLIGHT of them in flight at once (an agent's parallel tools). */
const THROUGHPUT_CALLS = envInt('BENCH_THROUGHPUT_CALLS', 2000);
const THROUGHPUT_IN_FLIGHT = 16;
const CHILD_TIMEOUT_MS = 30_000;
const LARGE_ROUNDS = envInt('BENCH_LARGE_ROUNDS', 7);
const LARGE_WARMUP = envInt('BENCH_LARGE_WARMUP', 2);
const IDLE_ROUNDS = envInt('BENCH_IDLE_ROUNDS', 5);
/** BENCH_INSTALL=0 skips the install footprint (it packs and installs from the npm registry). */
const MEASURE_INSTALL = process.env.BENCH_INSTALL !== '0';
/** BENCH_TETHER_IMPORT: a module the per-call mcp-tether process imports first (a profiler, say), via NODE_OPTIONS. */
const TETHER_IMPORT = process.env.BENCH_TETHER_IMPORT;
/** BENCH_NODE_ARGS: extra node flags for the two 20 MB processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/**
 * What is measured is what users install: the package as npm pack bundles it (scripts/bundle.mjs), laid out in
 * .tmp/bench-package (inside the checkout, so that the keychain helper finds @napi-rs/keyring as an installed
 * package would). BENCH_CLI=dist measures the compiled sources instead.
 */
const PACKAGE_DIR = join(ROOT, '.tmp', 'bench-package');
const CLI = process.env.BENCH_CLI === 'dist' ? DIST_CLI : preparePackage();

function preparePackage(): string {
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGE_DIR, { recursive: true });
  cpSync(join(ROOT, 'bin'), join(PACKAGE_DIR, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(PACKAGE_DIR, 'package.json'));
  const bundled = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--out', PACKAGE_DIR], { encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`bundle failed: ${bundled.stderr}`);
  return join(PACKAGE_DIR, 'bin', 'mcp-tether.js');
}

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

const LIST_LINES =
  JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n' + JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }) + '\n';

/** One cold start: ms to the answered initialize, ms to the first answered tools/list, and (if asked) idle RSS in MiB. */
interface ColdStart {
  initialize: number;
  list: number;
  idleMb?: number;
}

/** mcp-tether cold start as an IDE does it: initialize at once, then initialized and tools/list on its answer. */
async function coldTether(url: string, ws: Workspace, idle = false): Promise<ColdStart> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, url], { env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.write(INITIALIZE_LINE);
  try {
    const line = await watchLines(child, isResponseTo(1), 'mcp-tether').line;
    const initialize = performance.now() - started;
    const message: unknown = JSON.parse(line);
    if (!isRecord(message) || !('result' in message)) throw new Error(`mcp-tether answered initialize with an error: ${line}`);
    const listed = watchLines(child, isResponseTo(2), 'mcp-tether tools/list').line;
    child.stdin.write(LIST_LINES);
    if (!(await listed).includes('"tools"')) throw new Error('mcp-tether answered tools/list without tools');
    const list = performance.now() - started;
    return { initialize, list, ...(idle && child.pid ? { idleMb: await idleRssMb(child.pid) } : {}) };
  } finally {
    child.stdin.end();
    await reap(child, 'mcp-tether');
  }
}

/** Direct cold start: a fresh node process running the SDK client with the bearer token, connecting and listing. */
async function coldDirect(url: string, ws: Workspace, token: string, idle = false): Promise<ColdStart> {
  const started = performance.now();
  const child = spawn(process.execPath, [DIRECT_CLIENT], {
    cwd: ROOT,
    env: { ...ws.env, BENCH_URL: url, BENCH_TOKEN: token, BENCH_LIST: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const initialized = watchLines(child, (line) => line === 'initialized', 'direct client').line;
  const listed = watchLines(child, (line) => line.startsWith('listed '), 'direct client tools/list').line;
  try {
    await initialized;
    const initialize = performance.now() - started;
    await listed;
    const list = performance.now() - started;
    return { initialize, list, ...(idle && child.pid ? { idleMb: await idleRssMb(child.pid) } : {}) };
  } finally {
    child.stdin.end();
    await reap(child, 'direct client');
  }
}

/** Resident memory of a process that has started and then sat idle for a second (VmRSS), in MiB. */
async function idleRssMb(pid: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

// ---------- per-call latency ----------

/** Calls per second: THROUGHPUT_CALLS echo calls, THROUGHPUT_IN_FLIGHT at a time over one client. */
async function burst(client: Client): Promise<number> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < THROUGHPUT_CALLS) {
      started += 1;
      await echo(client);
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: THROUGHPUT_IN_FLIGHT }, worker));
  return THROUGHPUT_CALLS / ((performance.now() - begin) / 1000);
}

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

/** The SDK client over stdio to bench/relay.mjs: the least any stdio bridge costs (the floor of the per-call figure). */
async function connectRelay(url: string, token: string, ws: Workspace): Promise<{ client: Client; pid: number | null }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [RELAY], env: { ...ws.env, BENCH_URL: url, BENCH_TOKEN: token } });
  const client = new Client({ name: 'bench-relay', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

/** CPU time a process has used so far (user + system, /proc/<pid>/stat), in ms. */
function cpuMs(pid: number | null): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // after "pid (comm) ": state is field 0, utime field 11, stime field 12, in clock ticks (100 per second on Linux)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

// ---------- install footprint ----------

/**
 * What `npm install <spec>` puts on a user's disk: packages (the package itself included) and MiB; and how long it
 * takes from an empty npm cache, which is what `npx -y` spends before a first start.
 */
interface Footprint {
  packages: number;
  mb: number;
  seconds: number;
}

/** Installs `spec` into a fresh folder with a fresh npm cache and measures node_modules. */
function installFootprint(spec: string): Footprint {
  const dir = mkdtempSync(join(tmpdir(), 'tether-install-'));
  try {
    const started = performance.now();
    const result = spawnSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', '--cache', join(dir, 'cache'), '--prefix', join(dir, 'app'), spec], { encoding: 'utf8', timeout: 180_000 });
    if (result.status !== 0) throw new Error(`npm install ${spec} failed: ${result.stderr}`);
    const modules = join(dir, 'app', 'node_modules');
    return { packages: packagesIn(modules), mb: bytesIn(modules) / 1024 / 1024, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function packagesIn(modules: string): number {
  let count = 0;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) count += readdirSync(join(modules, name)).length;
    else count += 1;
  }
  return count;
}

function bytesIn(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesIn(join(path, name)), 0);
}

/** The package as `npm pack` makes it, installed as a user would, beside mcp-remote 0.15.1. */
function installFootprints(): { tether: Footprint; mcpRemote: Footprint } | undefined {
  if (!MEASURE_INSTALL) return undefined;
  process.stderr.write('bench: install footprint (npm pack, then npm install of the tarball and of mcp-remote@0.15.1)…\n');
  const dir = mkdtempSync(join(tmpdir(), 'tether-pack-'));
  try {
    // The bundled package laid out above; its scripts already ran.
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    const tarball = join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
    return { tether: installFootprint(tarball), mcpRemote: installFootprint('mcp-remote@0.15.1') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- main ----------

interface Pair {
  tether: number[];
  direct: number[];
}

/**
 * The heavy calls, each measured through mcp-tether and through the direct client: the tool, its arguments, the
 * text the answer must carry, and the direct client's line for it (bench/direct-client.mjs).
 */
const LARGE_SIZE = 20 * 1024 * 1024;
const MEDIUM_SIZE = 5 * 1024 * 1024;
const PROGRESS_COUNT = 1000;
type HeavyKind = 'argument' | 'result' | 'argument5' | 'progress';
const HEAVY_CALLS: Record<HeavyKind, { label: string; tool: string; arguments: Record<string, unknown>; progress?: true; answer: (line: string) => boolean; direct: string; target: string }> = {
  argument: { label: '20 MB argument', tool: 'length', arguments: { text: 'x'.repeat(LARGE_SIZE) }, answer: (line) => line.includes(`"text":"${LARGE_SIZE}"`), direct: `done ${LARGE_SIZE}`, target: '<= 1.3x' },
  result: { label: '20 MB result', tool: 'fill', arguments: { length: LARGE_SIZE }, answer: (line) => line.length >= LARGE_SIZE, direct: `done ${LARGE_SIZE}`, target: '<= 1.3x' },
  argument5: { label: '5 MiB argument', tool: 'length', arguments: { text: 'x'.repeat(MEDIUM_SIZE) }, answer: (line) => line.includes(`"text":"${MEDIUM_SIZE}"`), direct: `done ${MEDIUM_SIZE}`, target: '<= 1.25x' },
  progress: { label: '1000 progress', tool: 'progress', arguments: { count: PROGRESS_COUNT }, progress: true, answer: (line) => line.includes('"text":"done"'), direct: 'done', target: '<= 1.3x' },
};
/** BENCH_HEAVY=progress,argument5 measures only those heavy calls (with BENCH_NODE_ARGS, to profile one path). */
const HEAVY_KINDS = (Object.keys(HEAVY_CALLS) as HeavyKind[]).filter((kind) => !process.env.BENCH_HEAVY || process.env.BENCH_HEAVY.split(',').includes(kind));

interface Figures {
  /** 1-minute load average before and after, to judge how noisy the machine was */
  load: [number, number];
  cold: { tether: number[]; direct: number[] };
  coldList: Pair;
  idle: Pair;
  call: { tether: number[]; direct: number[]; relay: number[] };
  /** CPU time per measured call of the mcp-tether process and of the bare relay process, in ms */
  callCpu: { tether: number; relay: number };
  /** Echo calls per second with THROUGHPUT_IN_FLIGHT in flight, per burst */
  throughput: Pair;
  large: Record<HeavyKind, Pair> & { tetherPeakMb: number; directPeakMb: number; progressSeen: number };
  install: { tether: Footprint; mcpRemote: Footprint } | undefined;
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
  const first = await startIde(url, ws, { cli: CLI, env: { SIGNIN_USER: 'alice' } });
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
  const coldList: Pair = { tether: [], direct: [] };
  const idle: Pair = { tether: [], direct: [] };
  for (let round = 0; round < COLD_WARMUP + COLD_ROUNDS + IDLE_ROUNDS; round += 1) {
    const keep = round >= COLD_WARMUP;
    // The last rounds also sit idle for a second and read the resident memory (not counted as cold starts).
    const idling = round >= COLD_WARMUP + COLD_ROUNDS;
    // alternate which side goes first so neither always runs on the warmer machine state
    const order = round % 2 === 0 ? (['tether', 'direct'] as const) : (['direct', 'tether'] as const);
    for (const side of order) {
      const start = side === 'tether' ? await coldTether(url, ws, idling) : await coldDirect(url, ws, token, idling);
      if (idling) idle[side].push(start.idleMb ?? Number.NaN);
      else if (keep) {
        cold[side].push(start.initialize);
        coldList[side].push(start.list);
      }
    }
  }

  // 2. Per-call latency, interleaved blocks of 100.
  process.stderr.write(`bench: per-call latency, ${CALL_WARMUP} warm-up + ${CALLS} calls each…\n`);
  const call = { tether: [] as number[], direct: [] as number[], relay: [] as number[] };
  let ide: Ide | undefined;
  let direct: Client | undefined;
  let relay: Client | undefined;
  const callCpu = { tether: Number.NaN, relay: Number.NaN };
  const throughput: Pair = { tether: [], direct: [] };
  try {
    ide = await startIde(url, ws, { cli: CLI, ...(TETHER_IMPORT ? { env: { NODE_OPTIONS: `--import=${TETHER_IMPORT}` } } : {}) });
    direct = await connectDirect(url, token);
    const relayed = await connectRelay(url, token, ws);
    relay = relayed.client;
    const sides = { tether: ide.client, direct, relay };
    const pids = { tether: ide.transport.pid, relay: relayed.pid };
    let cpuAtStart = { tether: 0, relay: 0 };
    // one call each in turn, rotating which goes first, so that the machine's drift touches all alike
    const sideNames = ['tether', 'direct', 'relay'] as const;
    for (let round = 0; round < CALL_WARMUP + CALLS; round += 1) {
      if (round === CALL_WARMUP) cpuAtStart = { tether: cpuMs(pids.tether), relay: cpuMs(pids.relay) };
      for (let turn = 0; turn < sideNames.length; turn += 1) {
        const side = sideNames[(round + turn) % sideNames.length]!;
        const elapsed = await echo(sides[side]);
        if (round >= CALL_WARMUP) call[side].push(elapsed);
      }
    }
    callCpu.tether = (cpuMs(pids.tether) - cpuAtStart.tether) / CALLS;
    callCpu.relay = (cpuMs(pids.relay) - cpuAtStart.relay) / CALLS;
    // Throughput: bursts in the order tether, direct, direct, tether, so that drift touches both alike.
    process.stderr.write(`bench: throughput, ${THROUGHPUT_CALLS} calls with ${THROUGHPUT_IN_FLIGHT} in flight, two bursts each…\n`);
    for (const side of ['tether', 'direct', 'direct', 'tether'] as const) throughput[side].push(await burst(sides[side]));
  } finally {
    await Promise.allSettled([ide?.close(), direct?.close(), relay?.close()]);
  }

  // 3. A 20 MB argument (small result), then a 20 MB result (small argument): time per call, and the peak memory of
  //    each process doing the work (mcp-tether; the direct SDK client in a node process of its own).
  process.stderr.write(`bench: 20 MB argument, 20 MB result, ${LARGE_WARMUP} warm-up + ${LARGE_ROUNDS} calls each…\n`);
  const large: Figures['large'] = {
    argument: { tether: [], direct: [] },
    result: { tether: [], direct: [] },
    argument5: { tether: [], direct: [] },
    progress: { tether: [], direct: [] },
    tetherPeakMb: 0,
    directPeakMb: 0,
    progressSeen: 0,
  };
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
    for (const kind of HEAVY_KINDS) {
      const call = HEAVY_CALLS[kind];
      for (let round = 0; round < LARGE_WARMUP + LARGE_ROUNDS; round += 1) {
        const counted = round >= LARGE_WARMUP; // the first calls also pay for compiling and growing the heap
        let started = performance.now();
        const params = { name: call.tool, arguments: call.arguments, ...(call.progress ? { _meta: { progressToken: `p${id}` } } : {}) };
        const line = await lineIde.request((id += 1), 'tools/call', params);
        if (counted) large[kind].tether.push(performance.now() - started);
        if (!call.answer(line)) throw new Error(`the ${call.label} through mcp-tether came back wrong: ${line.slice(0, 200)}`);
        started = performance.now();
        const done = watchLines(directChild, (answer) => answer.startsWith('done '), `direct client (${call.label})`).line;
        directChild.stdin.write(`${kind}\n`);
        const answer = await done;
        if (counted) large[kind].direct.push(performance.now() - started);
        // The SDK client may drop progress that shares a read with the result (see the field guide): only its time counts.
        if (call.progress ? !answer.startsWith('done done ') : answer !== call.direct) throw new Error(`the direct ${call.label} came back as "${answer}"`);
      }
    }
    large.progressSeen = lineIde.progressSeen;
    large.tetherPeakMb = lineIde.child.pid ? peakRssMb(lineIde.child.pid) : Number.NaN;
    large.directPeakMb = directChild.pid ? peakRssMb(directChild.pid) : Number.NaN;
  } finally {
    directChild.stdin.end();
    await Promise.allSettled([lineIde.close(), reap(directChild, 'direct client (20 MB)')]);
  }

  // 4. Install footprint.
  const install = installFootprints();
  return { load: [loadBefore, loadavg()[0] ?? Number.NaN], cold, coldList, idle, call, callCpu, throughput, large, install };
}

/**
 * An IDE that reads stdout without copying its buffer on every chunk (the SDK's stdio reader does, which alone
 * costs seconds on a 20 MB line): the figure then shows mcp-tether's own cost.
 */
class LineIde {
  readonly child: ChildProcessWithoutNullStreams;
  private pieces: Buffer[] = [];
  /** Progress notifications that reached this IDE. */
  progressSeen = 0;
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
        if (line.length < 500 && line.includes('"notifications/progress"')) this.progressSeen += 1;
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
  const { load, cold, coldList, idle, call, callCpu, throughput, large, install } = figures;
  const ratio = (pair: Pair, at: (values: readonly number[]) => number): string => `${(at(pair.tether) / at(pair.direct)).toFixed(2)}x`;
  const memoryRatio = `${(large.tetherPeakMb / large.directPeakMb).toFixed(2)}x`;
  const coldRatio = median(cold.tether) / median(cold.direct);
  const callOverhead = median(call.tether) - median(call.direct);
  const callRatio = median(call.tether) / median(call.direct);
  const relayOverhead = median(call.relay) - median(call.direct);
  // the same calls compared in pairs (each tether call with the direct call made beside it): less moved by drift
  const pairedOverhead = median(call.tether.map((value, index) => value - (call.direct[index] ?? Number.NaN)));
  const pairedRelay = median(call.relay.map((value, index) => value - (call.direct[index] ?? Number.NaN)));
  const rows: Array<[string, string, string, string, string]> = [
    ['measure', 'mcp-tether', 'direct SDK', 'tether/direct', 'target'],
    ['cold start p50', ms(median(cold.tether)), ms(median(cold.direct)), `${coldRatio.toFixed(2)}x`, '<= 1.2x'],
    ['cold start p90', ms(p90(cold.tether)), ms(p90(cold.direct)), `${(p90(cold.tether) / p90(cold.direct)).toFixed(2)}x`, ''],
    ['to tools/list p50', ms(median(coldList.tether)), ms(median(coldList.direct)), ratio(coldList, median), '<= 1.10x'],
    ['to tools/list p90', ms(p90(coldList.tether)), ms(p90(coldList.direct)), ratio(coldList, p90), ''],
    ['idle memory (max)', `${Math.max(...idle.tether).toFixed(0)} MB`, `${Math.max(...idle.direct).toFixed(0)} MB`, `${(Math.max(...idle.tether) / Math.max(...idle.direct)).toFixed(2)}x`, '<= 1.10x (RSS after 1 s idle)'],
    ['echo call p50', ms(median(call.tether), 3), ms(median(call.direct), 3), `${callRatio.toFixed(2)}x`, `+${callOverhead.toFixed(3)} ms; paired +${pairedOverhead.toFixed(3)} ms (target +0.1)`],
    ['echo call p90', ms(p90(call.tether), 3), ms(p90(call.direct), 3), `${(p90(call.tether) / p90(call.direct)).toFixed(2)}x`, ''],
    ['echo CPU per call', ms(callCpu.tether, 3), '', '', `bare relay ${ms(callCpu.relay, 3)} (process CPU time / calls)`],
    ['echo throughput', `${median(throughput.tether).toFixed(0)}/s`, `${median(throughput.direct).toFixed(0)}/s`, `${(median(throughput.tether) / median(throughput.direct)).toFixed(2)}x`, `>= 1.00x (${THROUGHPUT_IN_FLIGHT} in flight; calls per second)`],
    ['echo via relay p50', ms(median(call.relay), 3), ms(median(call.direct), 3), `${(median(call.relay) / median(call.direct)).toFixed(2)}x`, `+${relayOverhead.toFixed(3)} ms; paired +${pairedRelay.toFixed(3)} ms: any stdio bridge's floor`],
    ...HEAVY_KINDS.flatMap((kind): Array<[string, string, string, string, string]> => [
      [`${HEAVY_CALLS[kind].label} p50`, ms(median(large[kind].tether)), ms(median(large[kind].direct)), ratio(large[kind], median), HEAVY_CALLS[kind].target],
      [`${HEAVY_CALLS[kind].label} p90`, ms(p90(large[kind].tether)), ms(p90(large[kind].direct)), ratio(large[kind], p90), ''],
    ]),
    ['20 MB peak memory', `${large.tetherPeakMb.toFixed(0)} MB`, `${large.directPeakMb.toFixed(0)} MB`, memoryRatio, '<= 1.5x (peak RSS of each process)'],
    ...(install
      ? ([
          ['install packages', String(install.tether.packages), `${install.mcpRemote.packages} (mcp-remote)`, '', '<= 8'],
          ['install size', `${install.tether.mb.toFixed(1)} MB`, `${install.mcpRemote.mb.toFixed(1)} MB (mcp-remote)`, '', '<= 8 MB'],
          ['install, empty cache', `${install.tether.seconds.toFixed(1)} s`, `${install.mcpRemote.seconds.toFixed(1)} s (mcp-remote)`, '', `well under mcp-remote (npx -y first start): ${(install.tether.seconds / install.mcpRemote.seconds).toFixed(2)}x; tether from its tarball, mcp-remote from the registry`],
        ] satisfies Array<[string, string, string, string, string]>)
      : []),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  process.stdout.write(
    [
      `machine: ${cpus().length} CPUs, 1-min load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after; ` +
        `servers ${SERVER_IN_PROCESS ? 'in the bench process' : 'in their own process'}`,
      `cold start: n=${cold.tether.length} each (after ${COLD_WARMUP} warm-up); echo: n=${call.tether.length} each (after ${CALL_WARMUP} warm-up), one call each in turn; heavy calls: n=${LARGE_ROUNDS} each (after ${LARGE_WARMUP} warm-up)`,
      ...lines,
      `bench: cold start ${coldRatio.toFixed(2)}x (tether ${median(cold.tether).toFixed(0)} ms, direct ${median(cold.direct).toFixed(0)} ms); ` +
        `to tools/list ${ratio(coldList, median)}; idle memory ${(Math.max(...idle.tether) / Math.max(...idle.direct)).toFixed(2)}x; ` +
        `throughput ${(median(throughput.tether) / median(throughput.direct)).toFixed(2)}x; per call p50 ${callOverhead >= 0 ? '+' : ''}${callOverhead.toFixed(2)} ms (${callRatio.toFixed(2)}x; paired +${pairedOverhead.toFixed(2)} ms; a bare stdio relay +${relayOverhead.toFixed(2)} ms, paired +${pairedRelay.toFixed(2)} ms); 20 MB argument ${ratio(large.argument, median)}, result ${ratio(large.result, median)}, peak memory ${memoryRatio}; 5 MiB argument ${ratio(large.argument5, median)}; 1000 progress ${ratio(large.progress, median)} (${large.progressSeen} of ${PROGRESS_COUNT * (LARGE_WARMUP + LARGE_ROUNDS)} notifications reached the IDE)` +
        (install ? `; install ${install.tether.packages} packages, ${install.tether.mb.toFixed(1)} MB, ${install.tether.seconds.toFixed(1)} s from an empty cache (mcp-remote: ${install.mcpRemote.packages}, ${install.mcpRemote.mb.toFixed(1)} MB, ${install.mcpRemote.seconds.toFixed(1)} s)` : ''),
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
