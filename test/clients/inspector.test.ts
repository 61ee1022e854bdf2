// The MCP Inspector CLI 2.12.0 (`--cli`), as installed by .ci/install, starting mcp-tether against the OAuth stack:
// a one-shot client (initialize, one request, quit) with a 15 s connect timeout and 60 s per request. Over repeated
// starts the user signs in once, in the browser, 15 s into the first; every later start lists the tools and calls
// them with no browser.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { clients, inspectorArgs, killLeftovers, runClient, type Run } from '../helpers/clients.js';
import { signins, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

const workspaces: Workspace[] = [];
afterEach(() => killLeftovers(...workspaces.splice(0)));

function inspector(serverUrl: string, ws: Workspace, method: string[]): Promise<Run> {
  const { command, args, env } = inspectorArgs(serverUrl, ws, method);
  return runClient(command, args, { env, cwd: ws.home, timeoutMs: 90_000 });
}

/** The `{"result": ...}` line the CLI prints on stdout with --format json. */
function result(run: Run): Record<string, unknown> {
  const line = run.stdout.split('\n').find((l) => l.startsWith('{"result"'));
  if (!line) throw new Error(`no result (exit ${run.code}); stdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-4_000)}`);
  return (JSON.parse(line) as { result: Record<string, unknown> }).result;
}

const toolNames = (run: Run): string[] => ((result(run).tools as Array<{ name: string }> | undefined) ?? []).map((tool) => tool.name);

describe('MCP Inspector CLI 2.12.0', () => {
  it('one browser sign-in over repeated starts; the first lists the tools once signed in, later ones list and call with no browser', async () => {
    clients.inspector();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(15) });
    workspaces.push(ws);
    try {
      // First start: the user takes 15 s in the browser, longer than the Inspector's 15 s connect timeout.
      const first = await inspector(stack.mcp.url, ws, ['--method', 'tools/list']);
      // mcp-tether answered initialize before the 15 s connect timeout and held tools/list (60 s) until the
      // sign-in: even the first start lists the server's tools.
      expect(first.code, first.stderr).toBe(0);
      expect(toolNames(first)).toContain('whoami');
      expect(first.stderr).toContain('Holding the IDE');
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens).toBeDefined();
      expect(await waitForSignins(ws, 1)).toHaveLength(1);
      expect(signins(ws)[0]?.text).toContain('Signed in');

      const second = await inspector(stack.mcp.url, ws, ['--method', 'tools/list']);
      expect(second.code, second.stderr).toBe(0);
      expect(toolNames(second)).toContain('whoami');
      expect(second.stderr).not.toContain('Sign-in required');

      const third = await inspector(stack.mcp.url, ws, ['--method', 'tools/call', '--tool-name', 'whoami']);
      expect(third.code, third.stderr).toBe(0);
      expect(JSON.stringify(result(third).content)).toContain('alice');

      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
