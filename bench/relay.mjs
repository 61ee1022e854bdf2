// Benchmark helper: the least a stdio-to-HTTP bridge can do, to measure the floor of the per-call overhead. It reads
// newline-delimited JSON-RPC on stdin, POSTs each line as it is to BENCH_URL with the bearer token (BENCH_TOKEN) and
// the session headers, and writes every message of the answer (JSON or an event stream) to stdout. No checks, no
// sign-in, no error handling: not a product, only the cost of one process hop each way.
const url = process.env.BENCH_URL;
const token = process.env.BENCH_TOKEN;
if (!url || !token) {
  process.stderr.write('relay: BENCH_URL and BENCH_TOKEN are required\n');
  process.exit(2);
}
let sessionId;
let protocolVersion;

async function forward(line) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  if (protocolVersion) headers['mcp-protocol-version'] = protocolVersion;
  const response = await fetch(url, { method: 'POST', headers, body: line });
  sessionId = response.headers.get('mcp-session-id') ?? sessionId;
  if (response.status === 202) return;
  const body = await response.text();
  const messages = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? body.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter(Boolean)
    : [body];
  for (const message of messages) {
    if (!protocolVersion && message.includes('"protocolVersion"')) protocolVersion = JSON.parse(message).result?.protocolVersion;
    process.stdout.write(`${message}\n`);
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline = buffered.indexOf('\n');
  while (newline >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    if (line.trim()) void forward(line);
    newline = buffered.indexOf('\n');
  }
});
process.stdin.on('end', () => process.exit(0));
