// The doctor's report: one outcome per step of the sign-in chain (ok, warn, fail, skipped), rendered as lines for a
// person or as one JSON object, and the verdict (does the chain work). Pure: no network, no store.
import { asTetherError, type ErrorData } from '../../errors.js';
import { redact } from '../../log.js';

export type Outcome = 'ok' | 'warn' | 'fail' | 'skipped';

/** A step's coded error, shaped as everywhere else (`status --json`, the IDE's JSON-RPC error data). */
export type StepError = ErrorData;

export interface Step {
  /** Stable machine name: "options", "dns", "tls", "endpoint", "challenge"... */
  name: string;
  /** What was checked, in words. */
  title: string;
  outcome: Outcome;
  /** What was found, one fact a line (never a secret). */
  details: string[];
  /** For a failure (or a warning with a code): the coded error, its cause and its fix. */
  error?: StepError;
}

export interface Report {
  server: string;
  /** Whether the chain works: no step failed. */
  works: boolean;
  steps: Step[];
}

export function ok(name: string, title: string, details: string[] = []): Step {
  return { name, title, outcome: 'ok', details };
}

export function warn(name: string, title: string, details: string[] = [], error?: unknown): Step {
  return { name, title, outcome: 'warn', details, ...(error === undefined ? {} : { error: stepError(error) }) };
}

export function fail(name: string, title: string, error: unknown, details: string[] = []): Step {
  return { name, title, outcome: 'fail', details, error: stepError(error) };
}

export function skipped(name: string, title: string, why: string): Step {
  return { name, title, outcome: 'skipped', details: [why] };
}

/** Any failure as the step's coded error (network failures get their code, as everywhere), known secrets scrubbed. */
export function stepError(error: unknown): StepError {
  const coded = asTetherError(error);
  return { code: coded.code, message: redact(coded.message), fix: redact(coded.hint) };
}

/** The steps as run so far; `blocked` is the first failure, whose dependants are skipped. */
export class Steps {
  readonly list: Step[] = [];

  add(step: Step): Step {
    this.list.push({ ...step, details: step.details.map(redact) });
    return step;
  }

  /** The name of the first failed step, if any. */
  get failed(): Step | undefined {
    return this.list.find((step) => step.outcome === 'fail');
  }

  /** A step that cannot run because `blocker` failed (or was itself skipped). */
  skipBecause(name: string, title: string, blocker: Step): Step {
    return this.add(skipped(name, title, `not run: "${blocker.title}" ${blocker.outcome === 'fail' ? 'failed' : 'was not run'}`));
  }
}

export function reportOf(server: string, steps: Step[]): Report {
  return { server, works: !steps.some((step) => step.outcome === 'fail'), steps };
}

const MARK: Record<Outcome, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skipped: 'skip' };

/** The report as lines for a terminal: one line per step, its facts indented, a failure's code, cause and fix. */
export function renderText(report: Report): string {
  const lines = [`mcp-tether doctor ${report.server}`, ''];
  for (const [index, step] of report.steps.entries()) {
    const previous = report.steps[index - 1];
    // Skipped steps in a row for one reason read as one line: the reason once, the steps after it.
    if (step.outcome === 'skipped' && previous?.outcome === 'skipped' && previous.details[0] === step.details[0]) {
      lines.push(`       also: ${step.title}`);
      continue;
    }
    lines.push(`[${MARK[step.outcome]}] ${step.title}`);
    for (const detail of step.details) lines.push(`       ${detail}`);
    if (step.error) {
      lines.push(`       ${step.error.message} [${step.error.code}]`);
      lines.push(`       -> ${step.error.fix}`);
    }
  }
  const failed = report.steps.find((step) => step.outcome === 'fail');
  lines.push('');
  lines.push(failed ? `The chain breaks at "${failed.title}" [${failed.error?.code ?? 'TETHER_UNEXPECTED'}].` : 'The chain works.');
  return redact(`${lines.join('\n')}\n`);
}

/** The report as one JSON object (--json). */
export function renderJson(report: Report): string {
  return redact(`${JSON.stringify(report, null, 2)}\n`);
}
