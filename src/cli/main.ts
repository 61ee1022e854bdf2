// Entry point: parse the command line, run the command, turn errors into a message on stderr and an exit code.
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describeError, ExitCode, TetherError } from '../errors.js';
import { log } from '../log.js';
import { buildProgram } from './program.js';
import { runProxy } from './proxy.js';

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const program = buildProgram(packageVersion(), async (config) => {
    log.setLevel(config.logLevel);
    await runProxy(config, log, env);
  }, env);
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    log.always(describeError(error));
    return error instanceof TetherError ? error.exitCode : ExitCode.failure;
  }
}

const code = await main(process.argv, process.env);
// Exit now: a browser launcher or a keychain helper must not keep the IDE waiting for this process.
process.exit(code);
