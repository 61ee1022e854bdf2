// Runs an interactive sign-in in a process of its own, detached from the IDE: when the IDE closes stdin or kills
// mcp-tether while the user is still in the browser, the callback listener lives on until the sign-in completes
// (tokens stored) or times out. The parent hears the sign-in URL, log lines and the outcome over an IPC channel.
import { spawn } from 'node:child_process';
import { asTetherError, ERROR_CODES, TetherError, type ErrorCode } from '../errors.js';

/** What the parent sends the worker once it has started. */
export interface SignInOrder<Config, Challenge> {
  type: 'sign-in';
  config: Config;
  challenge: Challenge;
  /** Fingerprint of the bearer token the server rejected (never the token): stored credentials equal to it are stale. */
  rejected?: string;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** What the worker tells the parent. */
export type WorkerMessage<Result> =
  | { type: 'log'; line: string }
  | { type: 'url'; url: string }
  | { type: 'done'; result: Result }
  | { type: 'failed'; error: WireError };

export function toWireError(error: unknown): WireError {
  const coded = asTetherError(error);
  return { code: coded.code, message: coded.message, hint: coded.hint };
}

/** The worker's error, with its code: the parent acts on it as on its own (a rejected registration is forgotten). */
export function fromWireError(error: WireError): TetherError {
  return new TetherError(error.code in ERROR_CODES ? error.code : 'TETHER_UNEXPECTED', error.message, { hint: error.hint });
}

export interface DetachedSignInOptions<Config, Challenge> {
  /** The worker's entry module (a file path). */
  worker: string;
  order: SignInOrder<Config, Challenge>;
  env: NodeJS.ProcessEnv;
  /** Give up on a worker that says nothing conclusive for this long (it bounds itself by --auth-timeout). */
  timeoutMs: number;
  onLog: (line: string) => void;
  onUrl: (url: string) => void;
}

export function signInDetached<Config, Challenge, Result>(options: DetachedSignInOptions<Config, Challenge>): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    // Its own process group and no share in the IDE's pipes: the IDE's shutdown neither waits for it nor kills it.
    const child = spawn(process.execPath, [options.worker], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: options.env,
      windowsHide: true,
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      settle(() => reject(new TetherError('TETHER_SIGN_IN_FAILED', 'The sign-in process did not finish in time.', { hint: 'Try again; run with --debug to see each step.' })));
      child.kill();
    }, options.timeoutMs);
    timer.unref();
    child.on('message', (raw) => {
      const message = raw as WorkerMessage<Result>;
      switch (message.type) {
        case 'log':
          options.onLog(message.line);
          break;
        case 'url':
          options.onUrl(message.url);
          break;
        case 'done':
          settle(() => resolve(message.result));
          break;
        case 'failed':
          settle(() => reject(fromWireError(message.error)));
          break;
      }
    });
    child.on('error', (error) => settle(() => reject(new TetherError('TETHER_SIGN_IN_FAILED', `Could not start the sign-in process (${error.message}).`))));
    child.on('exit', (code, signal) =>
      settle(() => reject(new TetherError('TETHER_SIGN_IN_FAILED', `The sign-in process ended unexpectedly (${signal ?? `exit code ${String(code)}`}).`, { hint: 'Try again; run with --debug to see each step.' }))),
    );
    child.send(options.order);
    // The parent may exit whenever the IDE lets it go; the worker carries on by itself.
    child.unref();
  });
}
