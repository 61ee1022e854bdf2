// The swap of large results in a POST's event stream, however the stream is cut into chunks: every other event passes
// byte for byte, a large result becomes a stand-in that resolves to its envelope and the server's exact bytes, and a
// stream with CRs passes untouched.
import { deserializeMessage, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { wholeMessage } from '../../src/bridge/envelope.js';
import { VerbatimResults } from '../../src/bridge/verbatim-results.js';

const BIG = 'y'.repeat(1100 * 1024);
const RESULT_JSON = `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"${BIG}"}]}}`;
const EVENTS = [
  'id: a1\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\n',
  ': a comment\n\n',
  'retry: 3000\n\n',
  `data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${BIG}"}}\n\n`, // large, not a result
  `id: a2\ndata: ${RESULT_JSON}\n\n`, // large result
  'data: {"jsonrpc":"2.0","id":8,"result":{}}\n\n',
];
const STREAM = Buffer.from(EVENTS.join(''));
const STAND_IN = { jsonrpc: '2.0', id: 7, result: { 'mcp-tether/verbatim-result': 1 } } as JSONRPCMessage;
const EXPECTED = `${EVENTS.slice(0, 4).join('')}id: a2\ndata: ${JSON.stringify(STAND_IN)}\n\n${EVENTS[5]}`;

/** What the SDK transport would read from the POST's event stream, delivered in the given pieces. */
async function through(results: VerbatimResults, stream: Buffer, cuts: number[]): Promise<string> {
  const ends = [...new Set([...cuts, stream.length])].filter((cut) => cut > 0).sort((a, b) => a - b);
  const pieces = ends.map((end, index) => stream.subarray(ends[index - 1] ?? 0, end));
  const origin = async (): Promise<Response> => {
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = pieces[next++];
        if (piece) controller.enqueue(new Uint8Array(piece));
        else controller.close();
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const response = await results.wrap(origin)('http://127.0.0.1/mcp', { method: 'POST' });
  return Buffer.from(await response.arrayBuffer()).toString('utf8');
}

/** Cuts at every place an event boundary can be split: before, between and after the two LFs. */
function boundaryCuts(stream: Buffer): number[][] {
  const cuts: number[][] = [];
  for (let at = stream.indexOf('\n\n'); at !== -1; at = stream.indexOf('\n\n', at + 1)) cuts.push([at], [at + 1], [at + 2], [at + 1, at + 2]);
  return cuts;
}

describe('large results in an event stream', () => {
  const chunkings = [...boundaryCuts(STREAM), ...[4096, 65536, 100_000].map((size) => Array.from({ length: Math.ceil(STREAM.length / size) }, (_, i) => i * size))];

  it(`pass as a stand-in, everything else byte for byte, over ${chunkings.length} ways of cutting the stream`, async () => {
    for (const cuts of chunkings) {
      const results = new VerbatimResults(deserializeMessage);
      const seen = await through(results, STREAM, cuts);
      expect(seen === EXPECTED, `cut at ${cuts.slice(0, 4).join(', ')}: ${seen.length} bytes, expected ${EXPECTED.length}`).toBe(true);
      const message = results.resolve(STAND_IN);
      expect(message).toEqual({ jsonrpc: '2.0', id: 7, result: {} }); // its envelope: the large content is in its bytes
      const bytes = results.bytesOf(message);
      expect(bytes?.toString('utf8') === RESULT_JSON).toBe(true);
      expect((wholeMessage(bytes ?? Buffer.alloc(0)) as unknown as { result: { content: Array<{ text: string }> } }).result.content[0]?.text).toBe(BIG);
    }
  });

  it('a result renumbered by the SDK (a replayed stream) is read whole under its new id, not passed on as the server\'s bytes', async () => {
    const results = new VerbatimResults(deserializeMessage);
    await through(results, STREAM, []);
    const message = results.resolve({ ...STAND_IN, id: 'replayed' } as JSONRPCMessage);
    expect((message as { id: unknown }).id).toBe('replayed');
    expect((message as unknown as { result: { content: Array<{ text: string }> } }).result.content[0]?.text).toBe(BIG);
    expect(results.bytesOf(message)).toBeUndefined();
  });

  it('a stream with CR line ends passes untouched, its large result left to the SDK', async () => {
    const withCrs = Buffer.from(EVENTS.join('').replaceAll('\n', '\r\n'));
    const results = new VerbatimResults(deserializeMessage);
    expect((await through(results, withCrs, [1000, 70_000])) === withCrs.toString('utf8')).toBe(true);
  });
});
