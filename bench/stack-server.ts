// Benchmark helper: runs the test stack (authorization server + protected MCP server) in its own process, so the
// clients being measured reach it across a process boundary as an IDE would. Prints {"url": ...} once ready; exits when stdin ends.
import { startStack } from '../test/fixtures/stack.js';

const stack = await startStack({ accessTokenTtl: 3600 });
let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  void stack.close().finally(() => process.exit(0));
};
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.once('SIGTERM', shutdown);
process.stdout.write(`${JSON.stringify({ url: stack.mcp.url })}\n`);
