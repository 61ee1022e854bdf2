// `claude mcp list` (Claude Code 2.1.332, as installed by .ci/install) starting mcp-tether against the OAuth stack:
// it connects, gives tools/list 5 s, prints one status line per server and stops the server (SIGINT, SIGTERM,
// SIGKILL within 0.5 s). The sign-in outlives it: over repeated starts the user signs in once, in the browser, and
// every start after the sign-in says Connected with no browser.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser, waitUntil } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { claudeEnv, clients, killLeftovers, runClient, SERVER, writeClaudeUserConfig, type Run } from '../helpers/clients.js';
import { signins, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

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

      // First start: the browser opens; claude lists and quits while the user is still signing in.
      // mcp-tether answers initialize after 2 s and tools/list at once: the line says Connected.
      const first = await list();
      expect(status(first)).toBe('✔ Connected');
      // A second start during that sign-in joins it: no second browser.
      const during = await list();
      expect(status(during)).toBe('✔ Connected');
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens).toBeUndefined();

      // The user finishes in the browser; the sign-in, outliving both, stores the tokens.
      expect(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined, 45_000), 'no tokens in the keychain').toBe(true);
      expect((await waitForSignins(ws, 1))[0]?.text).toContain('Signed in');

      for (let start = 0; start < 2; start++) {
        const later = await list();
        expect(status(later)).toBe('✔ Connected');
      }
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
