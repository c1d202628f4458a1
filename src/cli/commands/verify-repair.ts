import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { type RepairJob, type RepairOutcome, repairFiles } from '../../engine/repair';
import { listStoredFiles, storedPath } from '../../engine/stored-files';
import { type VerifyResult, hashFile } from '../../engine/verify';
import { writeFileAtomic } from '../../fs/durable';
import { joinRelative } from '../../fs/join-relative';
import { localFs } from '../../fs/local';
import { planRepair } from '../../guard/repair-plan';
import {
  damageRegistryPath,
  damageSet,
  readDamageRegistry,
  storedFileKey,
  updateDamageRegistry,
} from '../../store/damage-registry';
import { acquireStoreLock } from '../../store/lock';
import { openManifest } from '../../store/manifest';
import { listSnapshots, type SnapshotRef } from '../../store/snapshots';
import type { VerifyRecord } from '../../store/types';

/**
 * `verify --repair` (issue 14): plans (guard/repair-plan) and heals (engine/repair) the damaged files the
 * verification found, then records the outcome in each snapshot's verify.json and clears the healed
 * files from the damage registry.
 */

export interface RepairSummary {
  healed: Array<{ snapshotId: string; path: string; from: string }>;
  unrecoverable: Array<{ snapshotId: string; path: string; reason: string }>;
}

async function sourceHashes(source: string | null, paths: Iterable<string>): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  if (source === null) return hashes;
  for (const rel of new Set(paths)) {
    const sha = await hashFile(localFs, joinRelative(source, rel)).catch(() => null);
    if (sha !== null) hashes.set(rel, sha);
  }
  return hashes;
}

const placeId = (p: { snapshotId: string; path: string }) => `${p.snapshotId}\u0000${p.path}`;

export async function repairDamage(
  dest: string,
  source: string | null,
  results: VerifyResult[],
): Promise<RepairSummary> {
  const findings = results.flatMap((r) => r.findings).filter((f) => f.sha256 !== null);
  if (findings.length === 0) return { healed: [], unrecoverable: [] };
  const lock = await acquireStoreLock(dest, { purpose: 'repair' });
  try {
    const snapshots = await listSnapshots(dest);
    const stored = await listStoredFiles(localFs, snapshots);
    const registry = await readDamageRegistry(localFs, damageRegistryPath(dest));
    const plan = planRepair({
      damaged: findings.map((f) => ({ ...f, sha256: f.sha256 as string })),
      stored,
      sourceHashes: await sourceHashes(
        source,
        findings.map((f) => f.path),
      ),
      knownDamagedKeys: damageSet(registry).keys,
    });
    const manifestOf = await manifestFacts(snapshots, findings);
    const jobs: RepairJob[] = plan.heal.map((g) => {
      const facts = manifestOf.get(placeId(g.targets[0] ?? { snapshotId: '', path: '' }));
      return { ...g, mtimeNs: facts?.mtimeNs ?? '0', mode: facts?.mode ?? 0o444 };
    });
    const outcomes = await repairFiles(
      { fs: localFs, dest, source: source ? { fs: localFs, root: source } : null },
      jobs,
    );
    const summary = summarize(outcomes, plan.unrecoverable);
    await clearHealed(dest, snapshots, outcomes);
    await recordRepair(snapshots, results, summary);
    return summary;
  } finally {
    await lock.release();
  }
}

/** The manifest's time and mode of each damaged place (what the healed copy gets back). */
async function manifestFacts(
  snapshots: readonly SnapshotRef[],
  findings: ReadonlyArray<{ snapshotId: string; path: string }>,
): Promise<Map<string, { mtimeNs: string; mode: number }>> {
  const facts = new Map<string, { mtimeNs: string; mode: number }>();
  for (const snapshot of snapshots) {
    const wanted = findings.filter((f) => f.snapshotId === snapshot.id);
    if (wanted.length === 0) continue;
    // Read as a stream: only the damaged places' entries are kept.
    const paths = new Set(wanted.map((f) => f.path));
    for await (const e of (await openManifest(localFs, snapshot.manifestPath)).entries) {
      if (paths.has(e.path))
        facts.set(placeId({ snapshotId: snapshot.id, path: e.path }), { mtimeNs: e.mtimeNs, mode: e.attributes.mode });
    }
  }
  return facts;
}

function summarize(
  outcomes: readonly RepairOutcome[],
  unplanned: ReadonlyArray<{ targets: Array<{ snapshotId: string; path: string }>; reason: string }>,
): RepairSummary {
  const summary: RepairSummary = { healed: [], unrecoverable: [] };
  for (const o of outcomes) {
    for (const t of o.job.targets) {
      if (o.healed) {
        const from = o.from.kind === 'source' ? 'the live source' : `snapshot ${o.from.snapshotId}`;
        summary.healed.push({ ...t, from });
      } else summary.unrecoverable.push({ ...t, reason: o.reason });
    }
  }
  for (const u of unplanned) for (const t of u.targets) summary.unrecoverable.push({ ...t, reason: u.reason });
  return summary;
}

/** Healed places now hold a fresh, verified copy: their records leave the damage registry. */
async function clearHealed(dest: string, snapshots: readonly SnapshotRef[], outcomes: readonly RepairOutcome[]) {
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const healedKeys: string[] = [];
  const verifiedGood: Array<{ snapshotId: string; path: string; key: string }> = [];
  for (const o of outcomes) {
    if (!o.healed) continue;
    if (o.job.key !== null) healedKeys.push(o.job.key);
    for (const t of o.job.targets) {
      const snapshot = byId.get(t.snapshotId);
      if (!snapshot) continue;
      const st = await lstat(storedPath(snapshot, t.path), { bigint: true });
      verifiedGood.push({ ...t, key: storedFileKey(st) });
    }
  }
  await updateDamageRegistry(localFs, dest, { healedKeys, verifiedGood }, new Date());
}

/** verify.json of each verified snapshot: healed places leave its damaged/missing lists, and the repair is noted. */
async function recordRepair(snapshots: readonly SnapshotRef[], results: VerifyResult[], summary: RepairSummary) {
  const repairedAt = new Date().toISOString();
  for (const result of results) {
    const id = result.record.snapshotId;
    const healed = summary.healed.filter((h) => h.snapshotId === id).map((h) => h.path);
    const unrecoverable = summary.unrecoverable
      .filter((u) => u.snapshotId === id)
      .map((u) => ({ path: u.path, reason: u.reason }));
    if (healed.length === 0 && unrecoverable.length === 0) continue;
    const gone = new Set(healed);
    const record: VerifyRecord = {
      ...result.record,
      missing: result.record.missing.filter((p) => !gone.has(p)),
      damaged: result.record.damaged.filter((p) => !gone.has(p)),
      repair: { repairedAt, healed, unrecoverable },
    };
    record.ok = record.missing.length === 0 && record.damaged.length === 0 && record.extra.length === 0;
    result.record = record;
    const snapshot = snapshots.find((s) => s.id === id);
    if (snapshot) {
      await writeFileAtomic(
        localFs,
        path.join(snapshot.metaDir, 'verify.json'),
        `${JSON.stringify(record, null, 2)}\n`,
      );
    }
  }
}
