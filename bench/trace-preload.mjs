// Diagnostic preload for bench/cold-breakdown.ts (node --import): stamps process milestones on stderr as
// "[trace] <epoch ms> <event>" — child spawns and their exits, HTTP requests and responses, the first stdout write.
import { writeSync } from 'node:fs';
import { syncBuiltinESMExports, createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import diagnostics from 'node:diagnostics_channel';

const require = createRequire(import.meta.url);
const childProcess = require('node:child_process');
const now = () => performance.timeOrigin + performance.now();
const stamp = (event) => writeSync(2, `[trace] ${now().toFixed(3)} ${event}\n`);

stamp('preload');

const originalSpawn = childProcess.spawn;
childProcess.spawn = function tracedSpawn(command, args, options) {
  const name = Array.isArray(args) && args.length > 0 ? String(args[args.length - 1]).split('/').pop() : String(command);
  stamp(`spawn ${name}`);
  const child = originalSpawn.call(this, command, args, options);
  child.once('close', () => stamp(`child-closed ${name}`));
  return child;
};
syncBuiltinESMExports();

diagnostics.subscribe('undici:request:create', ({ request }) => stamp(`http-request ${request.method} ${request.path}`));
diagnostics.subscribe('undici:request:headers', ({ request, response }) =>
  stamp(`http-response ${request.method} ${request.path} ${response.statusCode}`),
);

const originalWrite = process.stdout.write.bind(process.stdout);
let wrote = false;
process.stdout.write = (chunk, ...rest) => {
  if (!wrote) {
    wrote = true;
    stamp('first-stdout-write');
  }
  return originalWrite(chunk, ...rest);
};
process.once('exit', () => stamp('exit'));
