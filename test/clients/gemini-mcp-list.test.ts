// `gemini mcp list` (Gemini CLI 0.61.0, as installed by .ci/install) starting mcp-tether against the OAuth stack: it
// gives initialize 5 s (clientInfo "mcp-test-client"), pings, prints one status line per server on stderr and
// SIGTERMs the server. The sign-in outlives it: over repeated starts the user signs in once, in the browser, and every
// start after the sign-in says Connected with no browser.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser, waitUntil } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { clients, geminiEnv, killLeftovers, project, runClient, SERVER, writeGeminiSettings, type Run } from '../helpers/clients.js';
import { signins, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

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

      // The first start: the browser opens; mcp-tether answers initialize within Gemini's 5 s (after 4 s), and
      // Gemini quits while the user is still signing in. A second start during that sign-in joins it.
      const first = await list();
      expect(status(first)).toBe('Connected');
      const during = await list();
      expect(status(during)).toBe('Connected');
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens).toBeUndefined();

      expect(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined, 45_000), 'no tokens in the keychain').toBe(true);
      expect((await waitForSignins(ws, 1))[0]?.text).toContain('Signed in');

      for (let start = 0; start < 2; start++) {
        const later = await list();
        expect(status(later)).toBe('Connected');
      }
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
