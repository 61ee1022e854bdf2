// The package version, read from the package.json above this module (dist/cli/ in a checkout, pack/ when bundled).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (const up of ['../../package.json', '../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'mcp-tether' && manifest.version) return manifest.version;
    } catch {
      // not here: look one level further
    }
  }
  return 'unknown';
}
