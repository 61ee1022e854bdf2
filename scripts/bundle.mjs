// Pack-time bundling (npm pack runs it as prepack): the compiled CLI and every JavaScript dependency in a few
// files under pack/, so that installing mcp-tether fetches one package and the native keychain binding, nothing else.
// The third-party licences go with it (pack/THIRD_PARTY_LICENSES.md). `--clean` removes pack/ (postpack);
// `--out DIR` writes DIR/pack instead (the package test bundles without touching the checkout).
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const outAt = process.argv.indexOf('--out');
const OUT = join(outAt === -1 ? ROOT : process.argv[outAt + 1], 'pack');

rmSync(OUT, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('bundle: run npm run build first');

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: {
    main: 'dist/cli/main.js',
    prefetch: 'dist/cli/prefetch.js',
    'sign-in-worker': 'dist/cli/sign-in-worker.js',
  },
  outdir: OUT,
  bundle: true,
  splitting: true, // the proxy, login and the OAuth stack stay lazily loaded, as in dist/
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external: ['@napi-rs/keyring'],
  // jsonc-parser's main entry is a UMD build whose require('./impl/...') esbuild cannot follow: its ES module build instead.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  // CommonJS dependencies (undici) call require() for Node's own modules.
  banner: { js: "import { createRequire as __tetherRequire } from 'node:module'; const require = __tetherRequire(import.meta.url);" },
  // One flat folder: modules find their neighbours (the sign-in worker, the keychain helper, xdg-open) beside them.
  chunkNames: '[name]-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// The keychain helper runs as its own CommonJS process and needs only the native binding.
copyFileSync(join(ROOT, 'dist', 'store', 'keychain-child.cjs'), join(OUT, 'keychain-child.cjs'));
// `open` runs the xdg-open script it ships, found beside the module that calls it (now a chunk).
const xdgOpen = join(ROOT, 'node_modules', 'open', 'xdg-open');
copyFileSync(xdgOpen, join(OUT, 'xdg-open'));
chmodSync(join(OUT, 'xdg-open'), 0o755);

// Licences of everything bundled: one section per package, with its licence text.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) continue;
  const name = parts[at + 1]?.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const dir = join(ROOT, ...parts.slice(0, at + 1), ...name.split('/'));
  if (!packages.has(dir)) packages.set(dir, name);
}
const sections = [...packages.entries()]
  .map(([dir, name]) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)/i.test(entry));
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `(no licence file; package.json says ${manifest.license ?? 'nothing'})`;
    return { key: `${name}@${manifest.version}`, body: `## ${name}@${manifest.version} (${manifest.license ?? 'unknown'})\n\n${text}\n` };
  })
  .sort((a, b) => a.key.localeCompare(b.key));
writeFileSync(
  join(OUT, 'THIRD_PARTY_LICENSES.md'),
  `# Third-party licences\n\nThese packages are bundled into mcp-tether's pack/ files.\n\n${sections.map((s) => s.body).join('\n')}`,
);

process.stderr.write(`bundle: ${Object.keys(result.metafile.outputs).length} files in ${OUT}, ${packages.size} packages bundled, licences in pack/THIRD_PARTY_LICENSES.md\n`);
