// What add decides before writing: a conflict refused, the same entry left alone, and an earlier mcp-tether entry
// replaced with the keys the user gave it in the IDE kept.
import { describe, expect, it } from 'vitest';
import { jsonFormat } from '../../src/ide/json-format.js';
import { planAdd, type Config } from '../../src/ide/plan.js';

const config = (text: string): Config => ({ format: jsonFormat, text, key: 'mcpServers', file: 'mcp.json', label: 'Cursor' });
const ENTRY = { command: 'npx', args: ['-y', 'mcp-tether', 'https://gw.example/mcp', '--debug'] };

describe('planAdd', () => {
  const earlier = '{"mcpServers":{"work":{"command":"npx","args":["-y","mcp-tether","https://gw.example/mcp"],"disabled":false,"autoApprove":["whoami"]}}}';

  it('replaces an earlier mcp-tether entry with --force, keeping the keys the user gave it', () => {
    const outcome = planAdd(config(earlier), 'work', ENTRY, true);
    expect(outcome.kind).toBe('replaced');
    if (outcome.kind === 'unchanged') return;
    expect(jsonFormat.servers(outcome.after, 'mcpServers', 'f')).toEqual({ work: { ...ENTRY, disabled: false, autoApprove: ['whoami'] } });
  });

  it('leaves the same entry alone, whatever other keys it has, and refuses a different one without --force', () => {
    expect(planAdd(config(earlier), 'work', { command: 'npx', args: ['-y', 'mcp-tether', 'https://gw.example/mcp'] }, false)).toEqual({ kind: 'unchanged' });
    expect(() => planAdd(config(earlier), 'work', ENTRY, false)).toThrow(expect.objectContaining({ code: 'TETHER_CONFIG_CONFLICT' }));
  });

  it('replaces an entry that is not mcp-tether\'s whole: its keys were for another program', () => {
    const other = '{"mcpServers":{"work":{"command":"uvx","args":["tool"],"timeout":5}}}';
    const outcome = planAdd(config(other), 'work', ENTRY, true);
    if (outcome.kind === 'unchanged') throw new Error('expected a change');
    expect(jsonFormat.servers(outcome.after, 'mcpServers', 'f')).toEqual({ work: ENTRY });
  });
});
