// Typed errors: each carries the hint a user needs to fix the cause, and the exit code the CLI ends with.
import { describeNetworkError } from './network-error.js';

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  authorization: 3,
} as const;

export class TetherError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }

  /** The message and its hint, as printed on stderr and sent to the IDE. */
  describe(): string {
    return this.hint ? `${this.message}\n  -> ${this.hint}` : this.message;
  }
}

/** Bad command-line input. */
export class UsageError extends TetherError {
  constructor(message: string, hint?: string) {
    super(message, { ...(hint === undefined ? {} : { hint }), exitCode: ExitCode.usage });
  }
}

/** Sign-in or token failure. */
export class AuthError extends TetherError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.authorization });
  }
}

/** The authorization server rejected the stored grant (invalid_grant): only a new sign-in helps. */
export class GrantRevokedError extends AuthError {}

/** The authorization server refused a client mcp-tether registered itself (invalid_client): the registration is forgotten. */
export class RegistrationRejectedError extends AuthError {}

/** The authorization server could not answer (5xx, temporarily_unavailable, network): credentials stay as they are. */
export class AuthServerUnavailableError extends AuthError {}

export function describeError(error: unknown): string {
  if (error instanceof TetherError) return error.describe();
  const network = describeNetworkError(error);
  if (network !== undefined) return network;
  if (error instanceof Error) return error.message;
  return String(error);
}
