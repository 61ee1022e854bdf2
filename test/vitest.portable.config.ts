// The tests that run on every OS the IDEs run on (the hosted runner matrix in .github/workflows/ci.yml): pure
// functions, each platform's path rules, and the real OS keychain through the same binding (macOS Keychain, Windows
// Credential Manager, GNOME Keyring). The end-to-end suite needs Chromium, GNOME Keyring and Glewlwyd from apt: it
// runs on Linux (bash .ci/run).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export const PORTABLE = [
  'test/auth/challenge.test.ts',
  'test/auth/discovery-rules.test.ts',
  'test/auth/dpop-proof.test.ts',
  'test/auth/machine-credentials.test.ts',
  'test/auth/oauth-errors.test.ts',
  'test/auth/pkce-policy.test.ts',
  'test/auth/refresh-parameters.test.ts',
  'test/auth/registration-response.test.ts',
  'test/auth/sign-in-words.test.ts',
  'test/auth/token-rules.test.ts',
  'test/bridge/clients.test.ts',
  'test/bridge/consent-link.test.ts',
  'test/bridge/jsonrpc.test.ts',
  'test/bridge/line-splitter.test.ts',
  'test/bridge/verbatim-results.test.ts',
  'test/cli/commands.test.ts',
  'test/cli/open-browser.test.ts',
  'test/cli/status-format.test.ts',
  'test/coordination/pending-sign-in.test.ts',
  'test/coordination/process-alive.test.ts',
  'test/doctor/claims.test.ts',
  'test/doctor/report.test.ts',
  'test/errors.test.ts',
  'test/fuzz.test.ts',
  'test/house.test.ts',
  'test/ide/entry.test.ts',
  'test/ide/formats.test.ts',
  'test/ide/ides.test.ts',
  'test/ide/plan.test.ts',
  'test/http/mcp-endpoint.test.ts',
  'test/http/url.test.ts',
  'test/log-redaction.test.ts',
  'test/protocol.test.ts',
  'test/store/keychain-failure.test.ts',
  'test/store/keychain-parts.test.ts',
  'test/store/paths.test.ts',
];

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: PORTABLE,
    testTimeout: 60_000,
  },
});
