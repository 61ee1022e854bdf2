// Benchmark helper: the "direct" side in its own node process — the MCP SDK Client connected straight to the server
// with a bearer token (BENCH_URL, BENCH_TOKEN). Prints "initialized" once connected; with BENCH_LIST it lists the tools,
// prints "listed <n>" and waits for stdin to end (the cold-start and idle-memory measures); with BENCH_LARGE it makes a call for every "argument" line on stdin (a 20 MB
// argument) or "result" line (a 20 MB result), printing "done 20971520" after each, until stdin ends.
import { createInterface } from 'node:readline';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const url = process.env.BENCH_URL;
const token = process.env.BENCH_TOKEN;
if (!url || !token) {
  process.stderr.write('direct-client: BENCH_URL and BENCH_TOKEN are required\n');
  process.exit(2);
}
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'bench-direct', version: '1.0.0' }, { capabilities: {} });
await client.connect(transport);
process.stdout.write('initialized\n');
if (process.env.BENCH_LIST) {
  // The cold start an IDE makes: its first tools/list; then stay until stdin ends (idle memory is read meanwhile).
  const { tools } = await client.listTools();
  process.stdout.write(`listed ${tools.length}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
}
if (process.env.BENCH_LARGE) {
  const size = 20 * 1024 * 1024;
  const calls = {
    argument: { name: 'length', arguments: { text: 'x'.repeat(size) } },
    result: { name: 'fill', arguments: { length: size } },
    argument5: { name: 'length', arguments: { text: 'x'.repeat(5 * 1024 * 1024) } },
    progress: { name: 'progress', arguments: { count: 1000 } },
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const call = calls[line];
    if (!call) continue;
    let notifications = 0;
    const result = await client.callTool(call, line === 'progress' ? { onprogress: () => (notifications += 1) } : undefined);
    const text = result.content?.[0]?.text ?? '';
    // Progress: the text must say "done" (the server saw the progress token); the count shows what the SDK delivered.
    process.stdout.write(line === 'progress' ? `done ${text} ${notifications}\n` : `done ${text.length > 100 ? text.length : text}\n`);
  }
}
await client.close();
process.exit(0);
