// Per-test clean-up for test files that start their own servers: whatever a test starts is stopped after it, last
// started first, whether the test passed or not.
import { afterEach } from 'vitest';
import { startStack, type Stack, type StackOptions } from '../fixtures/stack.js';

export interface PerTest {
  /** Runs `cleanup` after the current test. */
  defer(cleanup: () => Promise<void>): void;
  /** Starts an OAuth stack (authorization server + MCP server) that is closed after the current test. */
  stackWith(options?: StackOptions): Promise<Stack>;
}

/** Call once at the top of a test file. */
export function perTest(): PerTest {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
    stackWith: async (options = {}) => {
      const stack = await startStack(options);
      cleanups.push(() => stack.close());
      return stack;
    },
  };
}
