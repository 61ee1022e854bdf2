// vitest settings: end-to-end tests spawn real servers and processes. Most files wait on sign-ins and timers more
// than they compute, so two run at a time, the longest first (the crash stress test among them: load only makes it
// harsher); the files whose assertions depend on timing (a person's sign-in, published clients' start-up windows,
// the conformance runner's deadlines, locks raced by killed holders) then run alone, one after another.
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';

/** Started first, so that the longest files overlap the many short ones instead of running on at the end. */
const LONGEST = ['test/crash-stress.test.ts', 'test/credentials.test.ts', 'test/auth/failure-modes.test.ts', 'test/bridge/agentcore-gateway.test.ts', 'test/auth/oversized-answers.test.ts'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const index = LONGEST.findIndex((path) => spec.moduleId.endsWith(path));
      return index === -1 ? LONGEST.length : index;
    };
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

const ALONE = [
  'test/coordination/lock.test.ts',
  'test/clients/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/bridge/sign-in-survives.test.ts',
  'test/bridge/slow-signin.test.ts',
  'test/bridge/sign-in-link.test.ts',
];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: { name: 'two-at-a-time', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
