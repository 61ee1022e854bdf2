// Opening the sign-in page (pure parts): only https, or http on loopback, reaches a browser; on Windows the URL goes
// to rundll32 as one argument, never into a PowerShell command line (the CVE-2025-6514 class).
import { describe, expect, it } from 'vitest';
import { directLaunch, openBrowser } from '../../src/cli/open-browser.js';
import { TetherError } from '../../src/errors.js';

describe('openBrowser', () => {
  it('refuses a URL that is neither https nor loopback http, before anything is started', async () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'http://login.example/authorize', 'ms-settings:privacy']) {
      const refused = await openBrowser(url, false, 'linux').catch((error: unknown) => error);
      expect(refused, url).toBeInstanceOf(TetherError);
      expect((refused as TetherError).code, url).toBe('TETHER_INSECURE_URL');
    }
  });

  it('on Windows hands the URL, whatever it holds, to rundll32 as a single argument: no shell, no PowerShell', () => {
    const url = 'https://login.example/authorize?state=$(calc)&x="`whoami`"&y=%26';
    expect(directLaunch('win32', url)).toEqual({ command: 'rundll32.exe', args: ['url.dll,FileProtocolHandler', url] });
    expect(directLaunch('darwin', url)).toBeUndefined();
    expect(directLaunch('linux', url)).toBeUndefined();
  });
});
