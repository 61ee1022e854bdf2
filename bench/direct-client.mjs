// Benchmark helper: the "direct" side in its own node process — the MCP SDK Client connected straight to the server
// with a bearer token (BENCH_URL, BENCH_TOKEN). Prints "initialized" once connected. Without BENCH_LARGE it then
// exits (the cold-start measure); with BENCH_LARGE it echoes a 20 MB text for every "echo" line on stdin, printing
// "done <length>" after each, until stdin ends.
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
if (process.env.BENCH_LARGE) {
  const payload = 'x'.repeat(20 * 1024 * 1024);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'echo') continue;
    const result = await client.callTool({ name: 'echo', arguments: { text: payload } });
    process.stdout.write(`done ${result.content?.[0]?.text?.length ?? 0}\n`);
  }
}
await client.close();
process.exit(0);
