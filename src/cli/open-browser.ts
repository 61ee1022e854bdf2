// Opens the sign-in page in the user's browser: only an https URL (or http on loopback, or with --allow-http), and
// never through a shell: on Windows not through PowerShell, where the `open` package would put the URL in a command.
import { spawn } from 'node:child_process';
import { assertSecureUrl } from '../http/url.js';

/** How to open `url` without a shell on this platform, or undefined to let the `open` package do it (macOS, Linux). */
export function directLaunch(platform: NodeJS.Platform, url: string): { command: string; args: string[] } | undefined {
  // rundll32's URL handler takes the URL as one argument and hands it to the default browser; nothing parses it.
  if (platform === 'win32') return { command: 'rundll32.exe', args: ['url.dll,FileProtocolHandler', url] };
  return undefined;
}

export async function openBrowser(url: string, allowHttp: boolean, platform: NodeJS.Platform = process.platform): Promise<void> {
  const parsed = new URL(url);
  assertSecureUrl(parsed, 'the sign-in page', allowHttp); // the discovery checked it already; a browser is no place to be wrong
  const direct = directLaunch(platform, parsed.href);
  if (direct) {
    const child = spawn(direct.command, direct.args, { shell: false, stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => undefined);
    child.unref();
    return;
  }
  const { default: open } = await import('open');
  const child = await open(parsed.href, { wait: false });
  child.on('error', () => undefined);
}
