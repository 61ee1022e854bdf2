// A Gemini CLI 0.61.0 run (`gemini -p`, as installed by .ci/install) starting mcp-tether against the OAuth stack, with
// a loopback stub of the Gemini API as the model (GOOGLE_GEMINI_BASE_URL). Gemini CLI gets an early answer while the
// user signs in (with the sign-in tool listed, as it shows no URL elicitation) and lists tools again on
// notifications/tools/list_changed: once the user has signed in, the agent is offered the server's tools and calls one.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser, waitUntil } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { clients, geminiEnv, geminiStub, killLeftovers, project, runClient, SERVER, writeGeminiSettings, type ModelStub } from '../helpers/clients.js';
import { signins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

const workspaces: Workspace[] = [];
const stubs: ModelStub[] = [];
afterEach(async () => {
  killLeftovers(...workspaces.splice(0));
  await Promise.all(stubs.splice(0).map((stub) => stub.close()));
});

describe('a Gemini CLI 0.61.0 run', () => {
  it('the agent signs the user in and then calls whoami: "alice", in one run', async () => {
    const gemini = clients.gemini();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(12) });
    workspaces.push(ws);
    // The user says "done" once the sign-in is over for mcp-tether too: the list it held during the sign-in has reached
    // the server, which happens as mcp-tether tells Gemini to list again.
    const signedIn = async (): Promise<void> => {
      if (!(await waitUntil(() => keychainRecord(ws.home, stack.mcp.url)?.tokens !== undefined && stack.mcp.stats.toolLists > 0, 60_000))) throw new Error('no sign-in');
    };
    const stub = await geminiStub('whoami', signedIn);
    stubs.push(stub);
    try {
      writeGeminiSettings(stack.mcp.url, ws, { trust: true }, true);
      const env = geminiEnv(ws, { GEMINI_API_KEY: 'stub', GOOGLE_GEMINI_BASE_URL: stub.url });
      const run = await runClient(process.execPath, [gemini, '-p', 'Who am I on the tether server?', '--yolo', '-o', 'text'], { env, cwd: project(ws), timeoutMs: 90_000 });
      expect(run.code, run.stderr).toBe(0);
      // The model was first offered only the sign-in tool (with the link), then, in the same run, the server's tools.
      const offered = stub.requests.filter((r) => r.path.endsWith(':streamGenerateContent')).map((r) => JSON.stringify(r.body.tools ?? []));
      expect(offered[0]).toContain(`mcp_${SERVER}_mcp_tether_sign_in`);
      expect(offered[0]).not.toContain(`mcp_${SERVER}_whoami`);
      expect(offered.at(-1)).toContain(`mcp_${SERVER}_whoami`);
      expect(run.stdout).toContain('tool said:');
      expect(run.stdout).toContain('alice');
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
