// The README's first command: runs the main job on an embedded default. Starts an OAuth-protected MCP server and
// its authorization server on loopback, starts mcp-tether the way an IDE does, signs in, lists and calls a tool.
import { startStack } from './fixtures/stack.js';
import { BROWSER, startIde, text, toolNames, workspace } from './helpers/ide.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const stack = await startStack();
const ws = workspace(headless ? {} : { BROWSER: process.env.BROWSER ?? '' });
if (!headless) delete ws.env.BROWSER; // use the system browser

say('mcp-tether demo');
say(`  MCP server (OAuth-protected): ${stack.mcp.url}`);
say(`  authorization server:         ${stack.as.issuer}`);
say('  demo credentials:             any user name (e.g. alice), any password, then "Continue" on the consent page');
say(headless
  ? `  no display: the sign-in page is completed by headless Chromium (${BROWSER}) as user alice`
  : '  your browser opens for the sign-in; the URL is also printed below');
say('');

try {
  say('1. The IDE starts mcp-tether (first run: sign-in needed)');
  let started = Date.now();
  const ide = await startIde(stack.mcp.url, ws, { env: { SIGNIN_USER: 'alice' }, stderrInherit: true });
  say(`   initialized after ${Date.now() - started} ms (including the browser sign-in)`);
  say(`   tools: ${(await toolNames(ide)).join(', ')}`);
  const result = await ide.client.callTool({ name: 'whoami', arguments: {} });
  say(`   whoami -> ${text(result)}`);
  await ide.close();

  say('2. A new IDE window starts mcp-tether again (credentials come from the OS keychain: no browser)');
  started = Date.now();
  const again = await startIde(stack.mcp.url, ws, { stderrInherit: true });
  say(`   initialized after ${Date.now() - started} ms`);
  const echo = await again.client.callTool({ name: 'echo', arguments: { text: 'hello from the IDE' } });
  say(`   echo -> ${text(echo)}`);
  await again.close();
  say(`Done. Browser sign-ins at the authorization server: ${stack.as.counts.codeGrants}.`);
} finally {
  await stack.close();
}
