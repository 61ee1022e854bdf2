// Entry point: parse the command line, run the command, turn errors into a coded message on stderr and an exit code.
import { CommanderError } from 'commander';
import { asTetherError, ExitCode } from '../errors.js';
import { createFetch, type Fetch, type FetchOptions } from '../http/fetch.js';
import { log } from '../log.js';
import { COMMANDS } from './commands.js';
import { buildProgram, type MaintenanceOptions } from './program.js';
import { packageVersion } from './version.js';

/** The network options of logout and status, as createFetch takes them. */
function networkOf(options: MaintenanceOptions, env: NodeJS.ProcessEnv): FetchOptions {
  return {
    env,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    ...(options.connectTimeout === undefined ? {} : { connectTimeoutMs: Math.round(options.connectTimeout * 1000) }),
    ...(options.ipv4 ? { ipv4: true } : {}),
  };
}

/** The proxy (not a command), with stdin not a terminal: an IDE is on the other end. */
function startedByIde(argv: string[]): boolean {
  const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return !(word !== undefined && (COMMANDS as readonly string[]).includes(word)) && !process.stdin.isTTY;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(
    packageVersion(),
    {
      proxy: async (config) => {
        log.setLevel(config.logLevel);
        for (const note of config.notes) log.debug(note);
        const { runProxy } = await import('./proxy.js');
        await runProxy(config, log, env);
      },
      login: async (config) => {
        log.setLevel(config.logLevel);
        for (const note of config.notes) log.debug(note);
        const { login } = await import('./login.js');
        process.stdout.write(`${await login(config, log, env)}\n`);
      },
      logout: async (serverUrl, options) => {
        if (options.debug) log.setLevel('debug');
        const { logout } = await import('./logout.js');
        // Created now, so that an unreadable --ca-file is said before anything is removed.
        const fetch = Promise.resolve(await createFetch(networkOf(options, env)));
        const outcome = await logout(serverUrl, options, env, fetch, log);
        for (const line of outcome.lines) process.stdout.write(`${line}\n`);
        exitCode = outcome.exitCode;
      },
      status: async (serverUrl, options) => {
        if (options.debug) log.setLevel('debug');
        const { status } = await import('./status.js');
        // Made once, when --check first needs it; an unreadable --ca-file is still said at once.
        let made: Promise<Fetch> | undefined;
        const fetch = (): Promise<Fetch> => (made ??= createFetch(networkOf(options, env)));
        if (options.caFile) await fetch();
        return status(serverUrl, options, env, fetch, log);
      },
      exit: (code) => {
        exitCode = code;
      },
      add: async (words, options) => {
        const { add } = await import('./add.js');
        for (const line of await add(words, options, env, process.argv[1] ?? '')) process.stdout.write(`${line}\n`);
      },
      remove: async (name, options) => {
        const { remove } = await import('./remove.js');
        for (const line of await remove(name, options, env)) process.stdout.write(`${line}\n`);
      },
      doctor: async (config, options) => {
        log.setLevel(config.logLevel);
        const { doctor } = await import('./doctor.js');
        const { output, exitCode } = await doctor(config, options, log, env);
        process.stdout.write(output);
        return exitCode;
      },
    },
    env,
  );
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return ExitCode.ok; // --help, --version
    const coded = asTetherError(error);
    log.always(coded.describe());
    const word = argv.slice(2).find((arg) => !arg.startsWith('-'));
    if (word === 'doctor' && argv.includes('--json')) {
      // A script reading doctor's --json gets a report even for a command line the proxy would refuse.
      const { refusedReport } = await import('./doctor.js');
      process.stdout.write(refusedReport(argv.slice(2).find((arg) => /^https?:/i.test(arg)) ?? '', coded).output);
    }
    if (coded.exitCode === ExitCode.usage && startedByIde(argv)) {
      // An IDE started the proxy with a configuration mistake: its initialize gets the reason too.
      const { refuseFirstRequest } = await import('../bridge/refusal.js');
      await refuseFirstRequest(process.stdin, process.stdout, coded);
    }
    return coded.exitCode;
  }
}

const code = await main(process.argv, process.env);
// Exit now: a browser launcher or a keychain helper must not keep the IDE waiting for this process.
process.exit(code);
