import type { Settings } from '../config/load';
import type { AfterBackupResult } from '../cycle/after-backup';
import type { NightlyCycleResult } from '../cycle/nightly';
import { renderSummary, summaryFromRecord } from '../engine/summary';
import { formatDuration } from '../format/duration';
import { ExitCode } from '../errors';
import { renderOffsiteNight } from './offsite-summary';
import { type CommandOutcome, ok } from './outcome';

/** What `backup` prints (and returns under --json) for a nightly cycle, and for step 7 of any backup with a config. */
export function renderCycle(result: NightlyCycleResult, settings: Settings): CommandOutcome {
  if (result.dryRun || !result.record) {
    const text = ['Dry run: nothing was changed and nobody was disturbed.', ...result.planText].join('\n');
    return ok(text, {
      dryRun: true,
      mode: result.mode,
      plan: result.planText,
      expectedCopy: result.expectedCopy,
      notes: result.warnings,
    });
  }
  const summary = summaryFromRecord(result.record, settings.destination, {
    filesCopied: result.record.filesCopied,
    bytesCopied: result.record.bytesCopied,
  });
  const lines = [renderSummary(summary), `  mode:     ${result.mode} (${result.modeReason})`];
  if (result.offlineSeconds !== null) {
    lines.push(
      `  AVImark offline: ${formatDuration(result.offlineSeconds)} (from the first lockout step that touches it to the last given back)`,
    );
    for (const step of result.lockoutSteps) lines.push(`    ${step.seconds.toFixed(2).padStart(7)} s  ${step.step}`);
  }
  const rendered = renderAfterBackup(result.after, settings, summary.warnings);
  lines.push(...rendered.lines);
  // Step 8: an offsite failure is a warning of a good night (exit 0), never a failure.
  const offsite = renderOffsiteNight(result.offsite);
  lines.push(...offsite.lines);
  const json = {
    ...summary,
    mode: result.mode,
    modeReason: result.modeReason,
    offlineSeconds: result.offlineSeconds,
    lockoutSteps: result.lockoutSteps,
    ...rendered.json,
    offsite: offsite.json,
    warnings: offsite.warning ? [...rendered.json.warnings, offsite.warning] : rendered.json.warnings,
  };
  if (rendered.damaged) return { exitCode: ExitCode.Damage, text: lines.join('\n'), json };
  return ok(lines.join('\n'), json);
}

/** The verify and prune lines (and JSON fields) of step 7, shared by the cycle and `backup --no-lockout` with a config. */
export function renderAfterBackup(after: AfterBackupResult | null, settings: Settings, runWarnings: string[]) {
  const lines: string[] = [];
  const problems = [...(after?.verify?.problems ?? []), ...(after?.scrub?.problems ?? [])];
  if (after?.verify) {
    const v = after.verify.record;
    lines.push(
      `  verified: ${v.filesChecked} file(s) re-hashed (verify.after = ${settings.verify.after}): ${problems.length === 0 ? 'OK' : `${problems.length} PROBLEM(S)`}`,
    );
    for (const p of problems.slice(0, 20)) lines.push(`    ${p.kind} ${p.path}: ${p.detail}`);
  }
  if (after?.scrub) lines.push(`  scrub:    ${scrubText(after.scrub)}`);
  if (after?.prune)
    lines.push(`  pruned:   ${after.prune.remove.length} old snapshot(s) removed, ${after.prune.keep.length} kept`);
  for (const w of after?.warnings ?? []) lines.push(`  warning: ${w}`);
  const json = {
    verify: after?.verify
      ? { ok: problems.length === 0, filesChecked: after.verify.record.filesChecked, problems }
      : null,
    scrub: after?.scrub ? { filesRead: after.scrub.filesRead, coverage: after.scrub.coverage } : null,
    pruned: after?.prune ? after.prune.remove.map((r) => r.id) : [],
    warnings: [...runWarnings, ...(after?.warnings ?? [])],
  };
  return { lines, json, damaged: problems.length > 0 };
}

/** "12 file(s) re-read tonight; 40% of the store re-hashed in the last 30 days; oldest: ID/path (never)". */
function scrubText(scrub: NonNullable<AfterBackupResult['scrub']>): string {
  const c = scrub.coverage;
  const oldest = c.oldest
    ? `; oldest: ${c.oldest.snapshotId}/${c.oldest.path} (${c.oldest.verifiedAt ?? 'never re-hashed'})`
    : '';
  return `${scrub.filesRead} file(s) re-read tonight; ${c.percent}% of the store re-hashed within verify.scrubDays${oldest}`;
}
