// The offsite commands alone, bundled by ./harness.ts when dist/avimark-backup.cjs predates them
// (or the whole tree does not bundle while other parts are being changed). Same wiring as src/cli/main.ts.
import { Command, CommanderError } from 'commander';
import { registerOffsite } from '../../../src/cli/commands/offsite';
import { reportError } from '../../../src/cli/outcome';
import { ExitCode } from '../../../src/errors';

async function main(): Promise<void> {
  const program = new Command().name('avimark-backup').exitOverride();
  registerOffsite(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    else reportError(err, process.argv.includes('--json'));
  }
  process.exit(process.exitCode ?? 0);
}

void main();
