// `mcp-tether add <name> <url> [proxy options] --ide <ide>` writes the stdio entry that runs mcp-tether into the IDE's
// own configuration; `add --from-mcp-remote --ide <ide>` rewrites the IDE's mcp-remote entries to run mcp-tether.
import { realpathSync } from 'node:fs';
import { TetherError } from '../errors.js';
import { redact } from '../log.js';
import { buildEntry, cmdRefusal, localRunner, npxRunner, type Runner } from '../ide/entry.js';
import { IDES, type PathContext } from '../ide/ides.js';
import { planAdd, planMigration } from '../ide/plan.js';
import { openTarget, pathContext } from '../ide/target.js';
import { maskArgs, showOrWrite } from './ide-change.js';
import type { AddOptions } from './program.js';
import { checkProxyArgs, proxyArgsRefusal } from './proxy-args.js';

/** `npx -y mcp-tether` (cmd /c on Windows), or `--command local`: this installation's node and script. */
function runnerOf(options: AddOptions, script: string): Runner {
  return options.command === 'local' ? localRunner(process.execPath, realpathSync(script)) : npxRunner(process.platform);
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    // Only the name before a separator is repeated: the value may be a secret.
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(pair)?.[0];
    if (eq < 1) throw new TetherError('TETHER_INVALID_ARGUMENT', `An --env value${name ? ` (starting ${name})` : ''} is not KEY=VALUE.`, { hint: 'Example: --env CLIENT_SECRET=... (and ${CLIENT_SECRET} in --static-oauth-client-info).' });
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

async function fromMcpRemote(options: AddOptions, script: string, context: PathContext): Promise<string[]> {
  const target = await openTarget(options.ide, context);
  const migration = await planMigration(target.config, runnerOf(options, script), proxyArgsRefusal);
  const lines = [
    ...migration.rewritten.map(({ name, args }) => {
      maskArgs(args);
      return redact(`"${name}": mcp-remote -> mcp-tether ${args.join(' ')}`);
    }),
    ...migration.skipped.map(({ name, reason }) => redact(`"${name}": skipped, ${reason}.`)),
  ];
  if (migration.after === undefined) return [...lines, `No entry of ${IDES[options.ide].label} runs mcp-remote: nothing changed (${target.read.path}).`];
  const done = `Rewrote ${migration.rewritten.length} mcp-remote ${migration.rewritten.length === 1 ? 'entry' : 'entries'} of ${IDES[options.ide].label} in`;
  return [...lines, ...(await showOrWrite(target, migration.after, options.print === true, done))];
}

/** The lines to print on stdout. `words`: the name, the server URL, then the proxy's arguments verbatim. */
export async function add(words: string[], options: AddOptions, env: NodeJS.ProcessEnv, script: string): Promise<string[]> {
  const context = pathContext(env);
  const rest = words[0] === '--' ? words.slice(1) : words;
  if (options.fromMcpRemote) {
    if (rest.length > 0 || options.env !== undefined) throw new TetherError('TETHER_INVALID_ARGUMENT', '--from-mcp-remote takes no name, URL, options or --env: it rewrites the entries the IDE already has.', { hint: 'Run mcp-tether add --from-mcp-remote --ide <ide>.' });
    return fromMcpRemote(options, script, context);
  }
  const [name, ...proxyArgs] = rest;
  if (name === undefined || proxyArgs[0] === undefined) {
    throw new TetherError('TETHER_MISSING_ARGUMENT', 'add needs a name for the server and its URL.', { hint: 'Example: mcp-tether add work-tools https://gateway.example/mcp --ide cursor' });
  }
  if (name.trim() === '' || /[\u0000-\u001f]/.test(name)) throw new TetherError('TETHER_INVALID_ARGUMENT', 'The server name is empty or has control characters.', { hint: 'Choose a name such as work-tools.' });
  const entryEnv = parseEnv(options.env ?? []);
  await checkProxyArgs(proxyArgs, entryEnv); // the proxy's own refusal, before anything is written
  const runner = runnerOf(options, script);
  const throughCmd = cmdRefusal(runner, proxyArgs);
  if (throughCmd) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `The entry would not start as written: ${throughCmd}.`, {
      hint: 'Pass --command local (the entry runs node directly, no cmd), or move the value into a file (@file.json, --header-file) or the environment (--env NAME=... and ${NAME}).',
    });
  }
  const target = await openTarget(options.ide, context);
  const entry = buildEntry({ runner, proxyArgs, env: entryEnv, typed: target.typed });
  const label = IDES[options.ide].label;
  const outcome = planAdd(target.config, name, entry, options.force === true);
  if (outcome.kind === 'unchanged') return [`${label} already has "${name}" set up this way: nothing changed (${target.read.path}).`];
  const done = outcome.kind === 'added' ? `Added "${name}" to ${label}:` : `Replaced "${name}" in ${label}:`;
  const lines = await showOrWrite(target, outcome.after, options.print === true, done);
  return options.print ? lines : [...lines, `Restart its MCP servers in ${label} to start it; the first start signs you in through your browser.`];
}
