// Entry point: parse the command line, run the command, turn errors into a message on stderr and an exit code.
import { CommanderError } from 'commander';
import { describeError, ExitCode, TetherError } from '../errors.js';
import { log } from '../log.js';
import { buildProgram } from './program.js';
import { packageVersion } from './version.js';

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const program = buildProgram(
    packageVersion(),
    {
      proxy: async (config) => {
        log.setLevel(config.logLevel);
        const { runProxy } = await import('./proxy.js');
        await runProxy(config, log, env);
      },
      login: async (config) => {
        log.setLevel(config.logLevel);
        const { login } = await import('./login.js');
        process.stdout.write(`${await login(config, log, env)}\n`);
      },
      logout: async (serverUrl, options) => {
        if (options.debug) log.setLevel('debug');
        const [{ logout }, { createFetch }] = await Promise.all([import('./logout.js'), import('../http/fetch.js')]);
        for (const line of await logout(serverUrl, options.all === true, env, await createFetch({ env }), log)) process.stdout.write(`${line}\n`);
      },
      status: async (options) => {
        const { collectStatus, formatStatus } = await import('./status.js');
        const statuses = await collectStatus(env, log);
        process.stdout.write(options.json ? `${JSON.stringify(statuses, null, 2)}\n` : formatStatus(statuses));
      },
    },
    env,
  );
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
