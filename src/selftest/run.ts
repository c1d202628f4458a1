import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors';
import { computerName } from '../report/notify';
import { allChecks, type Check } from './checks';
import type { CheckResult, SelftestContext, SelftestReport } from './types';

/**
 * Runs every capability check in turn (each on throwaway objects it removes again) and reports what
 * works and what does not, with the fix for each. When the PowerShell bridge itself does not work,
 * the host checks are reported as skipped rather than failing one by one with the same cause.
 */
export async function runSelftest(
  ctx: Omit<SelftestContext, 'suffix'> & { suffix?: string },
  checks: Check[] = allChecks,
): Promise<SelftestReport> {
  const full: SelftestContext = { ...ctx, suffix: ctx.suffix ?? randomBytes(4).toString('hex') };
  const results: CheckResult[] = [];
  let bridgeDown: string | null = null;
  for (const check of checks) {
    const started = Date.now();
    const skip =
      bridgeDown && check.id !== 'email' ? `the PowerShell bridge does not work (${bridgeDown})` : check.skip(full);
    if (skip) {
      results.push({ id: check.id, title: check.title, status: 'skipped', detail: skip, fix: null, durationMs: 0 });
      continue;
    }
    try {
      const detail = await check.run(full);
      results.push({
        id: check.id,
        title: check.title,
        status: 'ok',
        detail,
        fix: null,
        durationMs: Date.now() - started,
      });
      full.log.info({ check: check.id, detail }, 'selftest check passed');
    } catch (err) {
      const detail = errorMessage(err);
      results.push({
        id: check.id,
        title: check.title,
        status: 'failed',
        detail,
        fix: check.fix,
        durationMs: Date.now() - started,
      });
      full.log.warn({ check: check.id, problem: detail }, 'selftest check failed');
      if (check.id === 'powershell') bridgeDown = detail;
    }
  }
  let psVersion: string | null = null;
  let simulated: boolean | null = null;
  if (!bridgeDown) {
    try {
      const info = await full.host.info();
      psVersion = info.psVersion;
      simulated = info.simulated;
    } catch {
      // already reported by the powershell check
    }
  }
  return {
    ok: results.every((r) => r.status !== 'failed'),
    computerName: computerName(),
    psVersion,
    simulated,
    checks: results,
  };
}

const MARK: Record<CheckResult['status'], string> = { ok: '[ ok ]', failed: '[FAIL]', skipped: '[skip]' };

export function renderSelftest(report: SelftestReport): string {
  const lines = [
    `avimark-backup selftest on ${report.computerName}${report.simulated ? ' (SIMULATED server)' : ''}`,
    '',
  ];
  for (const r of report.checks) {
    lines.push(`${MARK[r.status]} ${r.title}`, `       ${r.detail.replace(/\r?\n/g, '\n       ')}`);
    if (r.fix) lines.push(`       fix: ${r.fix}`);
  }
  const failed = report.checks.filter((r) => r.status === 'failed').length;
  const skipped = report.checks.filter((r) => r.status === 'skipped').length;
  lines.push(
    '',
    failed === 0
      ? `Everything checked works${skipped ? ` (${skipped} skipped)` : ''}. Nothing of AVImark's was touched.`
      : `${failed} of ${report.checks.length} checks FAILED; fix them before the first night. Nothing of AVImark's was touched.`,
  );
  return lines.join('\n');
}
