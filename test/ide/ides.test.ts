// Where each IDE keeps its MCP servers, by each OS's path rules (computed with that OS's path module, on any host).
import { describe, expect, it } from 'vitest';
import { configPath, IDE_IDS, type IdeId, type PathContext } from '../../src/ide/ides.js';

const linux: PathContext = { platform: 'linux', env: {}, home: '/home/ann', cwd: '/home/ann/proj' };
const darwin: PathContext = { platform: 'darwin', env: {}, home: '/Users/ann', cwd: '/Users/ann/proj' };
const win32: PathContext = { platform: 'win32', env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, home: 'C:\\Users\\ann', cwd: 'D:\\proj' };

const expected: Record<IdeId, [string, string, string]> = {
  kiro: ['/home/ann/.kiro/settings/mcp.json', '/Users/ann/.kiro/settings/mcp.json', 'C:\\Users\\ann\\.kiro\\settings\\mcp.json'],
  'kiro-workspace': ['/home/ann/proj/.kiro/settings/mcp.json', '/Users/ann/proj/.kiro/settings/mcp.json', 'D:\\proj\\.kiro\\settings\\mcp.json'],
  'claude-desktop': ['/home/ann/.config/Claude/claude_desktop_config.json', '/Users/ann/Library/Application Support/Claude/claude_desktop_config.json', 'C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json'],
  'claude-code': ['/home/ann/.claude.json', '/Users/ann/.claude.json', 'C:\\Users\\ann\\.claude.json'],
  'claude-code-project': ['/home/ann/proj/.mcp.json', '/Users/ann/proj/.mcp.json', 'D:\\proj\\.mcp.json'],
  cursor: ['/home/ann/.cursor/mcp.json', '/Users/ann/.cursor/mcp.json', 'C:\\Users\\ann\\.cursor\\mcp.json'],
  'cursor-workspace': ['/home/ann/proj/.cursor/mcp.json', '/Users/ann/proj/.cursor/mcp.json', 'D:\\proj\\.cursor\\mcp.json'],
  vscode: ['/home/ann/.config/Code/User/mcp.json', '/Users/ann/Library/Application Support/Code/User/mcp.json', 'C:\\Users\\ann\\AppData\\Roaming\\Code\\User\\mcp.json'],
  'vscode-workspace': ['/home/ann/proj/.vscode/mcp.json', '/Users/ann/proj/.vscode/mcp.json', 'D:\\proj\\.vscode\\mcp.json'],
  windsurf: ['/home/ann/.codeium/windsurf/mcp_config.json', '/Users/ann/.codeium/windsurf/mcp_config.json', 'C:\\Users\\ann\\.codeium\\windsurf\\mcp_config.json'],
  gemini: ['/home/ann/.gemini/settings.json', '/Users/ann/.gemini/settings.json', 'C:\\Users\\ann\\.gemini\\settings.json'],
  codex: ['/home/ann/.codex/config.toml', '/Users/ann/.codex/config.toml', 'C:\\Users\\ann\\.codex\\config.toml'],
};

describe('IDE configuration paths', () => {
  it('every IDE has its path on Linux, macOS and Windows', () => {
    expect(Object.keys(expected).sort()).toEqual([...IDE_IDS].sort());
    for (const ide of IDE_IDS) {
      expect([configPath(ide, linux), configPath(ide, darwin), configPath(ide, win32)], ide).toEqual(expected[ide]);
    }
  });

  it('follows the variables the IDEs themselves follow; a relative one is ignored', () => {
    expect(configPath('codex', { ...linux, env: { CODEX_HOME: '/srv/codex' } })).toBe('/srv/codex/config.toml');
    expect(configPath('codex', { ...win32, env: { CODEX_HOME: 'E:\\codex' } })).toBe('E:\\codex\\config.toml');
    expect(configPath('claude-code', { ...linux, env: { CLAUDE_CONFIG_DIR: '/home/ann/.claude' } })).toBe('/home/ann/.claude/.claude.json');
    expect(configPath('gemini', { ...darwin, env: { GEMINI_CLI_HOME: '/Users/ann/g' } })).toBe('/Users/ann/g/.gemini/settings.json');
    expect(configPath('vscode', { ...linux, env: { XDG_CONFIG_HOME: '/home/ann/cfg' } })).toBe('/home/ann/cfg/Code/User/mcp.json');
    expect(configPath('vscode', { ...linux, env: { XDG_CONFIG_HOME: 'relative' } })).toBe('/home/ann/.config/Code/User/mcp.json');
    // Claude Desktop installed as MSIX (since February 2026): its package's redirected folder, not %APPDATA%
    expect(configPath('claude-desktop', { ...win32, env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, claudePackages: ['Claude_pzs8sxrjxfjjc'] })).toBe(
      'C:\\Users\\ann\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json',
    );
    expect(configPath('claude-desktop', { ...win32, claudePackages: ['ClaudeHelper.Other'] })).toBe('C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(configPath('claude-desktop', { ...darwin, claudePackages: ['Claude_pzs8sxrjxfjjc'] })).toBe('/Users/ann/Library/Application Support/Claude/claude_desktop_config.json');
    // Windows without APPDATA: the roaming folder under the profile
    expect(configPath('claude-desktop', { ...win32, env: {} })).toBe('C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
  });
});
