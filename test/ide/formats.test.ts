// The JSON(C) and TOML edits on text: an added entry reads back as written, everything else keeps its bytes, and
// removing the entry again gives the original text back, across layouts people really have.
import { describe, expect, it } from 'vitest';
import { jsonFormat } from '../../src/ide/json-format.js';
import { tomlFormat } from '../../src/ide/toml-format.js';
import { unifiedDiff } from '../../src/ide/diff.js';

const ENTRY = { command: 'npx', args: ['-y', 'mcp-tether', 'https://gw.example/mcp'], env: { 'A-B': 'x "quoted" \\ value' } };

const JSON_LAYOUTS: Record<string, string> = {
  'two spaces': '{\n  "mcpServers": {\n    "a": { "command": "x" }\n  }\n}\n',
  tabs: '{\n\t"mcpServers": {\n\t\t"a": {\n\t\t\t"command": "x"\n\t\t}\n\t}\n}',
  'CRLF, four spaces': '{\r\n    "mcpServers": {\r\n        "a": {\r\n            "command": "x"\r\n        }\r\n    }\r\n}\r\n',
  'one line': '{"mcpServers":{"a":{"command":"x"}}}',
  'trailing comma and comments': '{\n  // c1\n  "mcpServers": {\n    "a": { "command": "x" }, // c2\n    /* c3 */\n  },\n}\n',
  'comment after the last server': '{\n  "mcpServers": {\n    "a": { "command": "x" } // last\n  }\n}\n',
  'empty servers': '{\n  "mcpServers": {}\n}\n',
  'servers after other keys': '{\n  "projects": { "/p": { "mcpServers": {} } },\n  "mcpServers": {\n    "a": { "command": "x" },\n    "b": { "command": "y" }\n  },\n  "z": [1, 2]\n}\n',
};

describe('JSON with comments', () => {
  it.each(Object.entries(JSON_LAYOUTS))('%s: add reads back, remove restores the bytes', (_, text) => {
    const before = jsonFormat.servers(text, 'mcpServers', 'f');
    const added = jsonFormat.setEntry(text, 'mcpServers', 'my "server"', ENTRY);
    expect(jsonFormat.servers(added, 'mcpServers', 'f')).toEqual({ ...before, 'my "server"': ENTRY });
    expect(added.includes('\r\n')).toBe(text.includes('\r\n'));
    expect(jsonFormat.setEntry(added, 'mcpServers', 'my "server"', undefined)).toBe(text);
    const replaced = jsonFormat.setEntry(added, 'mcpServers', 'my "server"', { command: 'other' });
    expect(jsonFormat.servers(replaced, 'mcpServers', 'f')).toEqual({ ...before, 'my "server"': { command: 'other' } });
  });

  it('a file without the servers key gets it; an empty file becomes a file of its own', () => {
    const text = '{\n  "theme": "dark"\n}\n';
    const added = jsonFormat.setEntry(text, 'servers', 'w', ENTRY);
    expect(added.startsWith('{\n  "theme": "dark",\n  "servers": {\n    "w": {\n')).toBe(true);
    expect(JSON.parse(added)).toEqual({ theme: 'dark', servers: { w: ENTRY } });
    expect(JSON.parse(jsonFormat.setEntry('', 'servers', 'w', ENTRY))).toEqual({ servers: { w: ENTRY } });
  });

  it('setCommand changes command and args only, in the layout they had', () => {
    const text = '{\n  "mcpServers": {\n    "r": {\n      "command": "npx",\n      "args": ["-y", "mcp-remote", "https://x"], // note\n      "env": { "K": "v" }\n    }\n  }\n}\n';
    expect(jsonFormat.setCommand(text, 'mcpServers', 'r', 'npx', ['-y', 'mcp-tether', 'https://x'])).toBe(text.replace('mcp-remote', 'mcp-tether'));
  });

  it('refuses a broken file with its line and column, and a servers key that is not an object', () => {
    expect(() => jsonFormat.servers('{\n  "a": 1\n  "b": 2\n}', 'mcpServers', 'f.json')).toThrow(/f\.json is not valid JSON \(CommaExpected\) at line 3, column 3/);
    expect(() => jsonFormat.servers('[]', 'mcpServers', 'f.json')).toThrow(/top level is not an object/);
    expect(() => jsonFormat.servers('{"mcpServers": []}', 'mcpServers', 'f.json')).toThrow(/"mcpServers" is not an object/);
  });
});

describe('Codex TOML', () => {
  const TOML = '# settings\nmodel = "o4-mini"  # why\n\n[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs"]\n\n[mcp_servers.docs.env]\nT = "1"\n\n[profiles.fast]\nmodel = "x"\n';

  it('appends the entry as [mcp_servers.<name>] tables, and removing it gives the text back', () => {
    for (const text of [TOML, TOML.replaceAll('\n', '\r\n'), '[mcp_servers]\nother = { command = "x" }\n', '']) {
      const added = tomlFormat.setEntry(text, 'mcp_servers', 'my server', ENTRY);
      expect(added.startsWith(text)).toBe(true);
      expect(added.slice(text.length)).toContain(`[mcp_servers."my server"]`);
      expect(tomlFormat.servers(added, 'mcp_servers', 'f')['my server']).toEqual(ENTRY);
      expect(tomlFormat.setEntry(added, 'mcp_servers', 'my server', undefined)).toBe(text);
    }
  });

  it('an inline mcp_servers table gets the entry inside it', () => {
    const text = 'mcp_servers = { a = { command = "x" } }\n';
    const added = tomlFormat.setEntry(text, 'mcp_servers', 'w', ENTRY);
    expect(tomlFormat.servers(added, 'mcp_servers', 'f')).toEqual({ a: { command: 'x' }, w: ENTRY });
  });

  it('setCommand keeps the environment table and the comments', () => {
    const text = '[mcp_servers.r]\ncommand = "npx"  # runner\nargs = ["-y", "mcp-remote", "https://x"]\n\n[mcp_servers.r.env]\nK = "v"\n';
    const edited = tomlFormat.setCommand(text, 'mcp_servers', 'r', 'npx', ['-y', 'mcp-tether', 'https://x']);
    expect(edited).toContain('command = "npx"  # runner');
    expect(tomlFormat.servers(edited, 'mcp_servers', 'f')).toEqual({ r: { command: 'npx', args: ['-y', 'mcp-tether', 'https://x'], env: { K: 'v' } } });
  });

  it('refuses broken TOML by position, without the text', () => {
    expect(() => tomlFormat.servers('a = 1\nb = = "s3cret"\n', 'mcp_servers', 'c.toml')).toThrow(/c\.toml is not valid TOML at line 2, column \d+/);
    try {
      tomlFormat.servers('a = 1\nb = = "s3cret"\n', 'mcp_servers', 'c.toml');
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
    }
  });
});

describe('the --print diff', () => {
  it('is one hunk with two lines of context around the change', () => {
    expect(unifiedDiff('f', 'a\nb\nc\nd\ne\nf\n', 'a\nb\nc\nX\nd\ne\nf\n')).toBe('--- f\n+++ f\n@@ -2,4 +2,5 @@\n b\n c\n+X\n d\n e');
    expect(unifiedDiff('f', '', '{}\n')).toBe('--- f\n+++ f\n@@ -1,0 +1,2 @@\n+{}\n+');
  });
});
