#!/usr/bin/env node
// The mcp-tether command: runs the compiled CLI.
import '../dist/cli/main.js';
