// Where the state lives on each platform, by that platform's rules (checked here whatever the host is).
import { describe, expect, it } from 'vitest';
import { stateDirectory } from '../../src/store/paths.js';
import { stopSignals } from '../../src/cli/proxy.js';

const noHome = (): string => {
  throw new Error('the home directory was not needed');
};

describe('stateDirectory', () => {
  it('Linux: $XDG_STATE_HOME/mcp-tether, else ~/.local/state/mcp-tether; a relative XDG_STATE_HOME is ignored', () => {
    expect(stateDirectory({ HOME: '/home/ana' }, 'linux', noHome)).toBe('/home/ana/.local/state/mcp-tether');
    expect(stateDirectory({ HOME: '/home/ana', XDG_STATE_HOME: '/var/state/ana' }, 'linux', noHome)).toBe('/var/state/ana/mcp-tether');
    expect(stateDirectory({ HOME: '/home/ana', XDG_STATE_HOME: 'state' }, 'linux', noHome)).toBe('/home/ana/.local/state/mcp-tether');
    expect(stateDirectory({}, 'linux', () => '/home/from-os')).toBe('/home/from-os/.local/state/mcp-tether');
  });

  it('macOS: ~/Library/Application Support/mcp-tether', () => {
    expect(stateDirectory({ HOME: '/Users/ana', XDG_STATE_HOME: '/ignored' }, 'darwin', noHome)).toBe('/Users/ana/Library/Application Support/mcp-tether');
  });

  it('Windows: %LOCALAPPDATA%\\mcp-tether (never the roaming profile), else %USERPROFILE%\\AppData\\Local\\mcp-tether', () => {
    expect(stateDirectory({ LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local', APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', noHome)).toBe('C:\\Users\\ana\\AppData\\Local\\mcp-tether');
    expect(stateDirectory({ USERPROFILE: 'C:\\Users\\ana' }, 'win32', noHome)).toBe('C:\\Users\\ana\\AppData\\Local\\mcp-tether');
    expect(stateDirectory({}, 'win32', () => 'D:\\profiles\\ana')).toBe('D:\\profiles\\ana\\AppData\\Local\\mcp-tether');
  });

  it('MCP_TETHER_STATE_DIR wins everywhere', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) expect(stateDirectory({ MCP_TETHER_STATE_DIR: '/tmp/x', HOME: '/h' }, platform, noHome)).toBe('/tmp/x');
  });
});

describe('stopSignals', () => {
  it('ends cleanly on SIGINT, SIGTERM and a hang-up everywhere, and on Ctrl+Break on Windows', () => {
    expect(stopSignals('linux')).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    expect(stopSignals('darwin')).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    expect(stopSignals('win32')).toContain('SIGBREAK');
  });
});
