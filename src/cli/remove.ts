// `mcp-tether remove <name> --ide <ide>` undoes `add`: the entry goes (the file backed up first) if it runs mcp-tether,
// or --force says so. An entry that is not there is said, with exit code 0: the state asked for is the state there is.
import { IDES } from '../ide/ides.js';
import { planRemove } from '../ide/plan.js';
import { openTarget, pathContext } from '../ide/target.js';
import { showOrWrite } from './ide-change.js';
import type { RemoveOptions } from './program.js';

/** The lines to print on stdout. */
export async function remove(name: string, options: RemoveOptions, env: NodeJS.ProcessEnv): Promise<string[]> {
  const target = await openTarget(options.ide, pathContext(env));
  const label = IDES[options.ide].label;
  const outcome = planRemove(target.config, name, options.force === true);
  if (outcome.kind === 'absent') return [`${label} has no server named "${name}": nothing to remove (${target.read.path}).`];
  return showOrWrite(target, outcome.after, options.print === true, `Removed "${name}" from ${label}:`);
}
