import { mkdirSync } from 'node:fs';
import { runKillFigure } from './kill';
import { type BenchSettings, type Collected, type GroupName, wants } from './scenario-common';
import { runManyFilesFigures } from './scenario-many';
import { runOfflineFigures } from './scenario-offline';
import { runOffsiteFigure } from './scenario-offsite';
import { SCALE_GROUPS, runScaleFigures } from './scenario-scale';

/**
 * The comparisons of issue 17, each measured alternately with its peer on the same data in one process:
 * the scale figures once per data-set profile, then the many-files, kill and offline-window figures.
 */

export { GROUPS, type BenchSettings, type GroupName } from './scenario-common';

export type BenchOutcome = Collected;

export async function runBench(s: BenchSettings): Promise<BenchOutcome> {
  const outcome: BenchOutcome = { figures: [], notes: [], raw: {} };
  const add = (c: Collected, rawKey?: string): void => {
    outcome.figures.push(...c.figures);
    outcome.notes.push(...c.notes);
    if (rawKey === undefined) Object.assign(outcome.raw, c.raw);
    else outcome.raw[rawKey] = c.raw;
  };
  mkdirSync(s.workDir, { recursive: true });
  const primary = s.profiles[0] ?? 'avimark';
  if (SCALE_GROUPS.some((g: GroupName) => wants(s, g))) {
    for (const profile of s.profiles) add(await runScaleFigures(s, profile), profile);
  }
  if (wants(s, 'sweep') || wants(s, 'memory')) add(await runManyFilesFigures(s, primary));
  if (wants(s, 'kill')) add(await runKillFigure(s));
  if (wants(s, 'offline')) add(await runOfflineFigures(s));
  if (wants(s, 'offsite')) add(await runOffsiteFigure(s));
  return outcome;
}
