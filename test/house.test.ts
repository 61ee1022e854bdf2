// The shape of the code, checked (pure, reads src/ as text): no import cycles, the shared leaves (errors, log) import
// nothing above them, the command-line parser does not load the bridge or the OAuth stack, and every file opens with a
// comment saying its job.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PORTABLE } from './vitest.portable.config.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.c?ts$/.test(name) ? [path] : [];
  });
}

/** Every module of src/ with the src/ modules it imports (static, type-only and dynamic imports alike). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => {
      const target = resolve(dirname(file), match[1] ?? '').replace(/\.js$/, '.ts').replace(/\.cjs$/, '.cts');
      return relative(SRC, target);
    });
    graph.set(relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function reachable(graph: Map<string, string[]>, from: string, staticOnly: boolean): Set<string> {
  const seen = new Set<string>();
  const walk = (node: string): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const text = readFileSync(join(SRC, node), 'utf8');
    for (const next of graph.get(node) ?? []) {
      const dynamic = new RegExp(`import\\(\\s*'[^']*${next.split('/').pop()?.replace(/\.c?ts$/, '')}\\.c?js'`).test(text);
      const typeOnly = new RegExp(`import type [^;]*'[^']*${next.split('/').pop()?.replace(/\.c?ts$/, '')}\\.js'`).test(text);
      if (staticOnly && (dynamic || typeOnly)) continue;
      walk(next);
    }
  };
  walk(from);
  return seen;
}

describe('the house', () => {
  const graph = importGraph();

  it('has no import cycles, type-only imports included', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('keeps the shared leaves (errors, log, network errors, protocol version) free of imports from the folders above them', () => {
    for (const leaf of ['errors.ts', 'log.ts', 'network-error.ts', 'protocol.ts']) {
      expect((graph.get(leaf) ?? []).filter((target) => target.includes('/')), leaf).toEqual([]);
    }
  });

  it('parses the command line without loading the bridge, the transports or the OAuth stack', () => {
    // Only leaves: the URL rules (http/url.ts), the transport modes (bridge/transport.ts), the static client's shape,
    // the client key check (node:crypto only) and the workload token's source.
    const loaded = reachable(graph, 'cli/program.ts', true);
    expect([...loaded].filter((module) => module.startsWith('bridge/') || module.startsWith('auth/') || module.startsWith('http/'))).toEqual(['auth/assertion.ts', 'auth/client-key.ts', 'auth/static-client.ts', 'http/url.ts', 'bridge/transport.ts']);
  });

  it('opens every file with a comment saying its job', () => {
    for (const file of graph.keys()) {
      expect(readFileSync(join(SRC, file), 'utf8').startsWith('// '), file).toBe(true);
    }
  });

  it('lists for the macOS and Windows runners only test files that exist and need nothing from apt (Chromium, GNOME Keyring, Glewlwyd)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    for (const file of PORTABLE) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(/from '[^']*\/(fixtures|helpers)\/|from '[^']*drivers\.js'/.test(text), file).toBe(false);
    }
  });
});
