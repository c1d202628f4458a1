import './threadpool';
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors';
import { VERSION } from '../version';
import { dropOutputWhenReaderGone } from './closed-output';
import { commands } from './commands/index';
import { reportError } from './outcome';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('avimark-backup')
    .description(
      'Takes AVImark offline for as short a time as possible, makes a consistent incremental backup into plain folders, and always gives AVImark back.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(): Promise<void> {
  dropOutputWhenReaderGone(process.stdout);
  dropOutputWhenReaderGone(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse error is a usage error (exit 2).
      process.exitCode = err.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    } else {
      reportError(err, process.argv.includes('--json'));
    }
  }
  process.exit(process.exitCode ?? 0);
}

void main();
