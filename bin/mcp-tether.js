#!/usr/bin/env node
// The mcp-tether command: starts the keychain read for the named server first, then runs the CLI: the compiled
// sources in a checkout (dist/), the bundle in an installed package (pack/, made by npm pack).
import { existsSync } from 'node:fs';

const code = existsSync(new URL('../dist/cli/main.js', import.meta.url)) ? '../dist/cli/' : '../pack/';
const { prefetchCredentials } = await import(`${code}prefetch.js`);
prefetchCredentials(process.argv, process.env);
await import(`${code}main.js`);
