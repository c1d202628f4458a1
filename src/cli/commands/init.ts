import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parseConfigText, settingsFromInput } from '../../config/load';
import { configTemplate, defaultTemplateValues } from '../../config/template';
import { UsageError } from '../../errors';
import { addExitCodes } from '../help';
import { type CommandOutcome, action, ok } from '../outcome';

interface InitFlags {
  out?: string;
  force?: boolean;
  source?: string;
  dest?: string;
  json?: boolean;
}

/** The name the README and the PowerShell module use (%ProgramData%\\avimark-backup\\config.json). */
export const DEFAULT_CONFIG_NAME = 'config.json';

export function registerInit(program: Command): void {
  const command = program
    .command('init')
    .description('write a commented starting configuration for a typical AVImark server')
    .option('--out <file>', `where to write it ("-" = print it); default ${DEFAULT_CONFIG_NAME} in the current folder`)
    .option('--force', 'replace an existing file')
    .option('--source <dir>', 'the live AVImark folder to put in the file (default C:\\AVImark)')
    .option('--dest <dir>', 'the backup destination to put in the file')
    .option('--json', 'print the result as JSON')
    .action(action(async (flags: InitFlags) => initCommand(flags)));
  addExitCodes(command, {
    0: 'written',
    1: 'the file could not be written',
    2: 'bad arguments, or the file exists (without --force)',
  });
}

export async function initCommand(flags: InitFlags, cwd = process.cwd()): Promise<CommandOutcome> {
  const defaults = defaultTemplateValues();
  const text = configTemplate({
    source: flags.source ? path.resolve(cwd, flags.source) : defaults.source,
    destination: flags.dest ? path.resolve(cwd, flags.dest) : defaults.destination,
  });
  const out = flags.out ?? DEFAULT_CONFIG_NAME;
  // Validated before anything is written: e.g. a --dest inside --source is refused here, not tonight.
  settingsFromInput(parseConfigText(text, 'init'), 'init');
  if (out === '-') return ok(text, { file: null, config: text });
  const file = path.resolve(cwd, out);
  if (
    !flags.force &&
    (await access(file).then(
      () => true,
      () => false,
    ))
  ) {
    throw new UsageError(`${file} already exists`, 'add --force to replace it, or --out to write elsewhere');
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { encoding: 'utf8', flag: flags.force ? 'w' : 'wx' });
  return ok(
    [
      `Wrote ${file}.`,
      'Next: edit the lines marked CHECK, then try it:',
      `  avimark-backup backup --config "${file}" --dry-run`,
    ].join('\n'),
    { file },
  );
}
