// `claude mcp list` (Claude Code 2.1.332, as installed by .ci/install) starting mcp-tether against the OAuth stack:
// it connects, gives tools/list 5 s, prints one status line per server and stops the server (SIGINT, SIGTERM,
// SIGKILL within 0.5 s). The sign-in outlives it: over repeated starts the user signs in once, in the browser, and
// every start after the sign-in says Connected with no browser.
import { afterEach, describe, it } from 'vitest';
import { delayedBrowser } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { claudeEnv, clients, killLeftovers, listAndQuitStory, runClient, SERVER, writeClaudeUserConfig, type Run } from '../helpers/clients.js';
import { workspace, type Workspace } from '../helpers/ide.js';

const workspaces: Workspace[] = [];
afterEach(() => killLeftovers(...workspaces.splice(0)));

/** The status of our server's line, e.g. "✔ Connected": `name: command - <glyph> <status>`. */
function status(run: Run): string {
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${SERVER}: `));
  const match = line ? / - ([✔!✘⏸] .*)$/.exec(line) : null;
  if (!match?.[1]) throw new Error(`no status line for ${SERVER} (exit ${run.code}); stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return match[1];
}

describe('claude mcp list (Claude Code 2.1.332)', () => {
  it('one browser sign-in over repeated starts; each start after it says Connected with no browser', async () => {
    const claude = clients.claude();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(20) });
    workspaces.push(ws);
    try {
      const cwd = writeClaudeUserConfig(stack.mcp.url, ws);
      const env = claudeEnv(ws);
      const list = (): Promise<Run> => runClient(claude, ['mcp', 'list'], { env, cwd, timeoutMs: 60_000 });
      // mcp-tether answers initialize after 2 s (Claude Code lists again on list_changed) and tools/list at once.
      await listAndQuitStory(stack, ws, async () => status(await list()), '✔ Connected');
    } finally {
      await stack.close();
    }
  }, 120_000);
});
