// --ignore-tool and --allow-tool: hidden tools are missing from tools/list, and a tools/call to one is refused
// with a JSON-RPC error before it reaches the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { text, workspace } from '../helpers/ide.js';
import { connectIde } from './drivers.js';

const ALL = ['announce', 'ask', 'ask-push', 'big', 'digest', 'echo', 'needs-consent', 'pause', 'progress', 'wait-for-cancel'];

describe('tool filtering', () => {
  let server: BridgeServer;

  beforeAll(async () => {
    server = await startBridgeServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const cases: Array<{ args: string[]; visible: string[] }> = [
    { args: ['--ignore-tool', 'big', '--ignore-tool', 'wait-*'], visible: ['announce', 'ask', 'ask-push', 'digest', 'echo', 'needs-consent', 'pause', 'progress'] },
    { args: ['--allow-tool', 'e?ho', '--allow-tool', 'di*'], visible: ['digest', 'echo'] },
    { args: ['--allow-tool', '*', '--ignore-tool', 'needs-consent'], visible: ALL.filter((name) => name !== 'needs-consent') },
  ];

  for (const { args, visible } of cases) {
    it(`${args.join(' ')}: shows only ${visible.join(', ')} and refuses calls to the others`, async () => {
      const ide = await connectIde(server.url, workspace(), { args });
      try {
        const names = (await ide.client.listTools()).tools.map((tool) => tool.name).sort();
        expect(names).toEqual(visible);
        const startedBefore = server.record.toolsStarted.length;
        for (const hidden of ALL.filter((name) => !visible.includes(name))) {
          const refused = await ide.client.callTool({ name: hidden, arguments: { text: 'x', bytes: 1, count: 1, url: 'http://127.0.0.1:1/' } }).then(
            (result) => ({ refused: false, result }),
            (error: unknown) => ({ refused: true, error }),
          );
          expect(refused.refused, `${hidden} was callable`).toBe(true);
          if ('error' in refused) expect(String(refused.error)).toContain(hidden);
        }
        expect(server.record.toolsStarted.length).toBe(startedBefore); // no hidden call reached the server
        if (visible.includes('echo')) expect(text(await ide.client.callTool({ name: 'echo', arguments: { text: 'shown' } }))).toBe('shown');
      } finally {
        await ide.close();
      }
    });
  }
});
