import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { UsageError, errnoCode } from '../../errors';
import { localFs } from '../../fs/local';
import { loadHistory } from '../../report/history';
import { renderReport } from '../../report/html';
import { measureSpace } from '../../report/space';
import { backupStatus } from '../../report/status-sentence';
import { writeFileAtomic } from '../../fs/durable';
import { VERSION } from '../../version';
import { addExitCodes } from '../help';
import { offsiteReport } from '../offsite-summary';
import { type CommandOutcome, ok, action } from '../outcome';
import { type SettingsOptionValues, addSettingsOptions, resolveStoreSettingsWithStore } from '../settings';

interface ReportFlags extends SettingsOptionValues {
  out: string;
  runs: number;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description('write the backup history as one self-contained HTML page')
    .addHelpText(
      'after',
      `
The page needs no network and contains no scripts: the backup status in one sentence, the recent runs
(result, duration, offline window, bytes copied), charts of the offline window and backup size, every
snapshot with its verification and restore drill, and the space the hard links save.`,
    )
    .requiredOption('--out <file>', 'the HTML file to write, e.g. C:\\Reports\\avimark-backup.html')
    .option('--runs <n>', 'how many recent runs to show', positiveInt, 30)
    .option('--json', 'print a summary as JSON');
  addExitCodes(command, {
    0: 'the page was written',
    1: 'the page could not be written or the store could not be read',
    2: 'usage or configuration error, or the destination is not available',
  });
  addSettingsOptions(command);
  command.action(action(async (flags: ReportFlags) => reportCommand(flags)));
}

export async function reportCommand(flags: ReportFlags, now: Date = new Date()): Promise<CommandOutcome> {
  const settings = await resolveStoreSettingsWithStore(flags);
  const dest = settings.destination;
  try {
    if (!(await stat(dest)).isDirectory()) throw new UsageError(`the destination ${dest} is not a folder`);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT')
      throw new UsageError(
        `the destination ${dest} does not exist`,
        'check --dest or "destination" in the configuration',
      );
    throw err;
  }
  const out = path.resolve(flags.out);
  const history = await loadHistory(dest, { stateDir: settings.stateDir });
  const status = backupStatus(history, { now });
  const space = await measureSpace(dest);
  const runs = history.runs.slice(-flags.runs);
  const html = renderReport({
    status,
    generatedAt: now,
    destination: dest,
    version: VERSION,
    runs,
    snapshots: history.snapshots,
    space,
    offsite: await offsiteReport(settings, now),
  });
  try {
    await writeFileAtomic(localFs, out, html);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new UsageError(`cannot write ${out}: its folder does not exist`);
    throw err;
  }
  return ok(`${status.sentence}\nReport written to ${out}`, {
    out,
    sentence: status.sentence,
    level: status.level,
    runs: runs.length,
    snapshots: history.snapshots.length,
    space,
  });
}
