// Diagnostic: where mcp-tether's cold start goes, beside the direct SDK client — runs both with bench/trace-preload.mjs
// and prints the median offset of each milestone from spawn. Run: bash test/with-keyring.sh npx tsx bench/cold-breakdown.ts
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/client';
import { startStack } from '../test/fixtures/stack.js';
import { CLI, startIde, text, workspace } from '../test/helpers/ide.js';
import { keychainRecord } from '../test/helpers/secrets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIRECT_CLIENT = fileURLToPath(new URL('./direct-client.mjs', import.meta.url));
const KEYCHAIN_CHILD = fileURLToPath(new URL('../dist/store/keychain-child.cjs', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./trace-preload.mjs', import.meta.url));
const ROUNDS = Number.parseInt(process.env.BENCH_COLD_ROUNDS ?? '10', 10);

interface Run {
  /** event name -> ms after spawn (first occurrence); "answer" is when the parent saw the awaited line */
  events: Map<string, number>;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

/** Spawns node with the given args, optionally writes stdin (and ends it at once if endInput), waits for a stdout line matching `done`, then ends stdin and waits for exit. */
function traced(
  args: string[],
  env: Record<string, string>,
  input: string | undefined,
  done: (line: string) => boolean,
  endInput = false,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = epochNow();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const events = new Map<string, number>();
    const note = (name: string, at: number): void => {
      let key = name;
      for (let n = 2; events.has(key); n += 1) key = `${name} #${n}`;
      events.set(key, at - started);
    };
    let out = '';
    let err = '';
    let answered = false;
    if (input !== undefined && !endInput) child.stdin.write(input);
    else child.stdin.end(input);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      if (!answered && lines.some(done)) {
        answered = true;
        note('answer seen by parent', epochNow());
        child.stdin.end();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      note('exit seen by parent', epochNow());
      for (const line of err.split('\n')) {
        const match = /^\[trace\] (\d+\.\d+) (.*)$/.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) note(match[2], Number.parseFloat(match[1]));
      }
      if (!answered && input !== undefined && !done(out)) reject(new Error(`no answer (exit ${code}); stderr:\n${err}`));
      else resolve({ events });
    });
  });
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

function summarize(label: string, runs: Run[]): void {
  const names: string[] = [];
  for (const run of runs) for (const name of run.events.keys()) if (!names.includes(name)) names.push(name);
  const rows = names
    .map((name) => {
      const values = runs.map((run) => run.events.get(name)).filter((v): v is number => v !== undefined);
      return { name, median: medianOf(values), n: values.length };
    })
    .sort((a, b) => a.median - b.median);
  process.stdout.write(`\n${label} (median ms after spawn, n=${runs.length})\n`);
  for (const row of rows) process.stdout.write(`  ${row.median.toFixed(1).padStart(8)}  ${row.name}${row.n < runs.length ? ` (in ${row.n} runs)` : ''}\n`);
}

const INITIALIZE_LINE =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench-ide', version: '1.0.0' } },
  }) + '\n';

const isInitializeAnswer = (line: string): boolean => line.startsWith('{') && line.includes('"id":1') && line.includes('"result"');

async function main(): Promise<void> {
  const stack = await startStack({ accessTokenTtl: 3600 });
  const ws = workspace();
  try {
    const url = stack.mcp.url;
    const first = await startIde(url, ws, { env: { SIGNIN_USER: 'alice' } });
    try {
      text(await first.client.callTool({ name: 'whoami', arguments: {} }));
    } finally {
      await first.close();
    }
    const token = keychainRecord(ws.home, url)?.tokens?.access_token;
    if (!token) throw new Error('no token stored');

    const runs = { tether: [] as Run[], direct: [] as Run[], bare: [] as Run[], keychain: [] as Run[] };
    const keychainRequest = JSON.stringify({ service: 'mcp-tether', ops: [{ op: 'get', account: 'bench-nonexistent' }] });
    for (let round = 0; round < ROUNDS + 2; round += 1) {
      const keep = round >= 2;
      const tether = await traced(['--import', PRELOAD, CLI, url], ws.env, INITIALIZE_LINE, isInitializeAnswer);
      const direct = await traced(['--import', PRELOAD, DIRECT_CLIENT], { ...ws.env, BENCH_URL: url, BENCH_TOKEN: token }, undefined, (l) => l === 'initialized');
      const bare = await traced(['-e', '0'], ws.env, undefined, () => false);
      const keychain = await traced([KEYCHAIN_CHILD], ws.env, keychainRequest, (l) => l.includes('"ok"'), true);
      if (keep) {
        runs.tether.push(tether);
        runs.direct.push(direct);
        runs.bare.push(bare);
        runs.keychain.push(keychain);
      }
    }
    summarize('mcp-tether (node --import trace-preload bin/mcp-tether.js URL)', runs.tether);
    summarize('direct SDK client (node --import trace-preload bench/direct-client.mjs)', runs.direct);
    summarize('bare node -e 0', runs.bare);
    summarize('keychain helper alone (node dist/store/keychain-child.cjs, one get)', runs.keychain);
  } finally {
    await stack.close();
    rmSync(ws.home, { recursive: true, force: true });
  }
}

await main();
