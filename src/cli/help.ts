import type { Command } from 'commander';

/**
 * The exit codes a command can end with, as its --help lists them (README "Exit codes"). Every command
 * can end with 1 (it failed) and 2 (bad command line or configuration): give their meaning here too.
 */
export type ExitCodeHelp = Readonly<Record<number, string>>;

export function exitCodesText(codes: ExitCodeHelp): string {
  const lines = Object.entries(codes)
    .map(([code, meaning]) => [Number(code), meaning] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([code, meaning]) => `  ${code}  ${meaning}`);
  return ['Exit codes:', ...lines].join('\n');
}

/** Appends the exit codes to a command's --help (after any other text it already has). */
export function addExitCodes(command: Command, codes: ExitCodeHelp): Command {
  return command.addHelpText('after', `\n${exitCodesText(codes)}`);
}
