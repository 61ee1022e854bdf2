// The official MCP conformance client suites, run through mcp-tether (driver.mjs plays the IDE): one test per
// scenario, failing with the scenario's failed checks and the driver's diagnostics. Tooling: bash .ci/install.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tools = join(root, '.tmp', 'conformance-tools');
const node22 = join(tools, 'node22', 'node_modules', '.bin', 'node');
const resultsRoot = join(root, '.tmp', 'conformance-results');
const driver = join(root, 'test', 'conformance', 'driver.mjs');
/** The runner splits --command on spaces and runs it in a shell. */
const command = `${process.execPath} ${driver}`;

/**
 * Every scenario of a run starts at once, so on a small machine a scenario can take long just waiting for CPU. The
 * driver gives up before the runner kills it, so that its diagnostics are kept.
 */
const SCENARIO_TIMEOUT_MS = 180_000;
const DRIVER_TIMEOUT_MS = 150_000;
const RUN_TIMEOUT_MS = 400_000;

interface Run {
  title: string;
  folder: string;
  args: string[];
}

const RUNS: Run[] = [
  { title: 'conformance 0.1.16 --suite auth', folder: 'v0.1.16', args: ['--suite', 'auth'] },
  { title: 'conformance 0.1.16 --suite backcompat', folder: 'v0.1.16', args: ['--suite', 'backcompat'] },
  { title: 'conformance 0.1.16 --suite draft', folder: 'v0.1.16', args: ['--suite', 'draft'] },
  { title: 'conformance 0.2.0-alpha --requirements 2026-07-28', folder: 'v0.2.0-alpha', args: ['--requirements', '2026-07-28'] },
];

/**
 * Extension scenarios the requirement set runs without scoring that mcp-tether implements, and so scores here: a
 * machine client with a secret (client_secret_basic) and with a key (private_key_jwt), workload identity (jwt-bearer),
 * DPoP-bound tokens with and without the servers' nonces (RFC 9449), enterprise-managed authorization (ID-JAG), and
 * JSON Schema 2020-12 keywords carried unchanged (added after the release; a bridge must not touch a schema).
 */
const SCORED_HERE = new Set([
  'auth/client-credentials-basic',
  'auth/client-credentials-jwt',
  'auth/wif-jwt-bearer',
  'auth/dpop',
  'auth/dpop-nonce',
  'auth/enterprise-managed-authorization',
  'json-schema-2020-12-preservation',
]);

interface Check {
  id: string;
  name?: string;
  description?: string;
  status: string;
  errorMessage?: string;
  details?: unknown;
}

interface ScenarioResult {
  name: string;
  /** Set for scenarios the requirement set runs but does not score (extensions, added after the release). */
  notScored?: string;
  checks?: Check[];
  driverLog?: string;
}

interface RunResult {
  run: Run;
  exitCode: number | null;
  output: string;
  scenarios: ScenarioResult[];
}

function execute(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `-o <dir>` keeps each scenario's checks.json and the driver's stderr in <dir>/<scenario>-<timestamp>/. */
function scenarioDirectory(outputDir: string, scenario: string): string | undefined {
  const parent = join(outputDir, dirname(scenario));
  const base = scenario.split('/').pop() ?? scenario;
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z$`);
  if (!existsSync(parent)) return undefined;
  const match = readdirSync(parent).find((entry) => pattern.test(entry));
  return match === undefined ? undefined : join(parent, match);
}

function readIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The runner's summary names each scenario it ran: "✓ name: ...", "✗ name: ...", "- name: skipped". */
function parseSummary(stdout: string): { names: string[]; notScored: Map<string, string> } {
  const names: string[] = [];
  const notScored = new Map<string, string>();
  const summary = stdout.split('=== SUITE SUMMARY ===')[1] ?? '';
  let inNotScored = false;
  for (const line of summary.split('\n')) {
    if (/^Not scored for /.test(line)) inNotScored = true;
    const scenario = /^[✓✗-] ([^\s:]+):/.exec(line);
    if (scenario?.[1] && !inNotScored) names.push(scenario[1]);
    const unscored = /^\s+[✓✗] (\S+) \(([^)]+)\)/.exec(line);
    if (unscored?.[1] && unscored[2] && inNotScored) notScored.set(unscored[1], unscored[2]);
  }
  return { names, notScored };
}

async function runSuite(run: Run, index: number): Promise<RunResult> {
  const entry = join(tools, run.folder, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
  for (const needed of [node22, entry]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: run bash .ci/install (it installs the conformance tooling).`);
  }
  for (const path of [process.execPath, driver]) {
    if (/\s/.test(path)) throw new Error(`The conformance runner splits --command on spaces; this path has one: ${path}`);
  }
  const outputDir = join(resultsRoot, `${index}-${run.args.join('-').replace(/[^\w.-]+/g, '')}`);
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const args = [entry, 'client', '--command', command, ...run.args, '--timeout', String(SCENARIO_TIMEOUT_MS), '-o', outputDir];
  const started = Date.now();
  const { code, stdout, stderr } = await execute(node22, args, { ...process.env, CONFORMANCE_DRIVER_TIMEOUT_MS: String(DRIVER_TIMEOUT_MS) });
  process.stderr.write(`${run.title}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s; results in ${outputDir}\n`);
  const { names, notScored } = parseSummary(stdout);
  const scenarios = names.map((name): ScenarioResult => {
    const directory = scenarioDirectory(outputDir, name);
    const checksText = directory === undefined ? undefined : readIfPresent(join(directory, 'checks.json'));
    const driverLog = directory === undefined ? undefined : readIfPresent(join(directory, 'stderr.txt'));
    const reason = notScored.get(name);
    return {
      name,
      ...(reason !== undefined ? { notScored: reason } : {}),
      ...(checksText !== undefined ? { checks: JSON.parse(checksText) as Check[] } : {}),
      ...(driverLog !== undefined ? { driverLog } : {}),
    };
  });
  return { run, exitCode: code, output: `${stdout}\n${stderr}`, scenarios };
}

function tail(text: string, lines: number): string {
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n');
}

/** What a suite scores: a scenario passes when none of its checks is a FAILURE or a WARNING. */
function problems(scenario: ScenarioResult): string[] {
  if (!scenario.checks) return ['no checks.json was written for this scenario'];
  return scenario.checks
    .filter((check) => check.status === 'FAILURE' || check.status === 'WARNING')
    .map((check) => {
      const details = check.details === undefined ? '' : ` details=${JSON.stringify(check.details).slice(0, 300)}`;
      return `${check.status} [${check.id}] ${check.description ?? check.name ?? ''}${check.errorMessage ? ` (${check.errorMessage})` : ''}${details}`;
    });
}

const results: RunResult[] = [];
for (const [index, run] of RUNS.entries()) results.push(await runSuite(run, index));

for (const result of results) {
  describe(result.run.title, () => {
    it('ran and reported its scenarios', () => {
      expect(result.scenarios.length, `the runner reported no scenarios (exit ${result.exitCode}):\n${tail(result.output, 40)}`).toBeGreaterThan(0);
    });
    for (const scenario of result.scenarios) {
      if (scenario.notScored !== undefined && !SCORED_HERE.has(scenario.name)) {
        it.skip(`${scenario.name} (not scored by the requirement set: ${scenario.notScored})`, () => undefined);
        continue;
      }
      it(scenario.name, () => {
        const found = problems(scenario);
        const message = [
          `${scenario.name} failed ${found.length} check(s):`,
          ...found.map((line) => `  ${line}`),
          'driver and mcp-tether stderr (last lines):',
          tail(scenario.driverLog ?? '(none)', 25),
        ].join('\n');
        expect(found, message).toEqual([]);
      });
    }
  });
}
