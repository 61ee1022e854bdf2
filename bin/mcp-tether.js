#!/usr/bin/env node
// The mcp-tether command: starts the keychain read for the named server first, then runs the compiled CLI.
import { prefetchCredentials } from '../dist/cli/prefetch.js';

prefetchCredentials(process.argv, process.env);
await import('../dist/cli/main.js');
