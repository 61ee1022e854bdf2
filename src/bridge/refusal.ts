// A proxy that cannot start (a mistake in the IDE's configuration) still tells the IDE why: the first request the
// IDE sends (its initialize) is answered with the coded error, so the reason shows in the IDE, not only in its logs.
import type { Readable, Writable } from 'node:stream';
import { classify, errorResponse, UPSTREAM_ERROR } from './jsonrpc.js';
import { readLines, writeMessage } from './stdio.js';
import type { TetherError } from '../errors.js';

/** Answers the IDE's first request with `error`, then resolves; resolves after `waitMs` when none comes. */
export function refuseFirstRequest(input: Readable, output: Writable, error: TetherError, waitMs = 3_000): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      input.pause();
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    timer.unref();
    readLines(
      input,
      (bytes) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(bytes.toString('utf8'));
        } catch {
          return;
        }
        const message = classify(parsed);
        if (message.kind !== 'request') return;
        writeMessage(output, errorResponse(message.id, UPSTREAM_ERROR, `mcp-tether cannot start: ${error.describe()}`, error.toData()));
        done();
      },
      done,
    );
  });
}
