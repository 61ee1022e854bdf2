// `gemini mcp list` (Gemini CLI 0.61.0, as installed by .ci/install) starting mcp-tether against the OAuth stack: it
// gives initialize 5 s (clientInfo "mcp-test-client"), pings, prints one status line per server on stderr and
// SIGTERMs the server. The sign-in outlives it: over repeated starts the user signs in once, in the browser, and every
// start after the sign-in says Connected with no browser.
import { afterEach, describe, it } from 'vitest';
import { delayedBrowser } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { clients, geminiEnv, killLeftovers, listAndQuitStory, project, runClient, SERVER, writeGeminiSettings, type Run } from '../helpers/clients.js';
import { workspace, type Workspace } from '../helpers/ide.js';

const workspaces: Workspace[] = [];
afterEach(() => killLeftovers(...workspaces.splice(0)));

/** The status of our server's line, e.g. "Connected": `✓ name: command (stdio) - Connected` (on stderr). */
function status(run: Run): string {
  const line = `${run.stdout}\n${run.stderr}`.split('\n').find((l) => l.includes(` ${SERVER}: `));
  const match = line ? /\((?:stdio|http|sse)\) - (\w+)$/.exec(line.trim()) : null;
  if (!match?.[1]) throw new Error(`no status line for ${SERVER} (exit ${run.code}); stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return match[1];
}

describe('gemini mcp list (Gemini CLI 0.61.0)', () => {
  it('one browser sign-in over repeated starts; each start after it says Connected with no browser', async () => {
    const gemini = clients.gemini();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(20) });
    workspaces.push(ws);
    try {
      writeGeminiSettings(stack.mcp.url, ws);
      const env = geminiEnv(ws);
      const cwd = project(ws);
      const list = (): Promise<Run> => runClient(process.execPath, [gemini, 'mcp', 'list'], { env, cwd, timeoutMs: 60_000 });
      // mcp-tether answers initialize within Gemini's 5 s (after 3.5 s) and its ping at once.
      await listAndQuitStory(stack, ws, async () => status(await list()), 'Connected');
    } finally {
      await stack.close();
    }
  }, 120_000);
});
