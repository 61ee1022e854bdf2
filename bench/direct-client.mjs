// Benchmark helper: the "direct" cold start — a fresh node process that connects an MCP SDK Client straight to
// the server with a bearer token (BENCH_URL, BENCH_TOKEN), prints one line once initialized, then exits.
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
await client.close();
process.exit(0);
