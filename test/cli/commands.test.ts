// Which command a mistyped word meant, and commander's parse errors in mcp-tether's coded style.
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { closestCommand, editDistance } from '../../src/cli/commands.js';
import { fromCommander } from '../../src/cli/program.js';
import { TetherError } from '../../src/errors.js';

describe('closestCommand', () => {
  it('finds the command behind a typo, a swap or a missing letter', () => {
    expect(closestCommand('statsu')).toBe('status');
    expect(closestCommand('lgoin')).toBe('login');
    expect(closestCommand('logut')).toBe('logout');
    expect(closestCommand('STATUS')).toBe('status');
  });

  it('leaves URLs and unrelated words alone', () => {
    expect(closestCommand('gw.example/mcp')).toBeUndefined();
    expect(closestCommand('localhost:3000')).toBeUndefined();
    expect(closestCommand('deploy')).toBeUndefined();
    expect(editDistance('status', 'stauts')).toBe(1);
  });
});

describe('fromCommander', () => {
  it('turns an unknown option into TETHER_UNKNOWN_OPTION with the suggestion and the right help', () => {
    const error = fromCommander(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--jsno'\n(Did you mean --json?)"), 'mcp-tether status');
    expect(error).toBeInstanceOf(TetherError);
    expect((error as TetherError).code).toBe('TETHER_UNKNOWN_OPTION');
    expect((error as TetherError).message).toBe("Unknown option '--jsno'.");
    expect((error as TetherError).hint).toBe('Did you mean --json? Run mcp-tether status --help to see what it takes.');
  });

  it('keeps --help and --version as they are', () => {
    const help = new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)');
    expect(fromCommander(help, 'mcp-tether')).toBe(help);
  });
});
