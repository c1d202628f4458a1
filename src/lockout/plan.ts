import { type AppError, ConfigError, RunFailedError, UsageError } from '../errors';
import type { LockoutConfig } from '../config/schema';
import type { ProcessInfo, ServiceInfo, ShareDefinition, SmbOpenFileInfo, SmbSessionInfo } from '../host/types';
import { joinPath } from './paths';
import { DENY_ALL_SHARE_SDDL, LOCKED_EXECUTABLE_SUFFIX, type LockoutStep, type SafetyNetStep } from './steps';

/** What the server looked like just before the lockout (read by observe.ts, changes nothing). */
export interface HostObservations {
  /** Null when no share is configured or it was not found. */
  share: ShareDefinition | null;
  services: Array<{ name: string; info: ServiceInfo | null }>;
  /** Running processes with one of the configured names. */
  processes: ProcessInfo[];
  /** Each executable as configured, and as the folder spells it (null: not there). */
  executables: Array<{ path: string; onDisk: string | null; lockedExists: boolean }>;
  openFiles: SmbOpenFileInfo[];
  sessions: SmbSessionInfo[];
}

/** A reason the lockout cannot start. `field` is set when the config names something that is not there. */
export interface PlanProblem {
  field?: string;
  message: string;
}

export interface LockoutPlan {
  steps: LockoutStep[];
  problems: PlanProblem[];
  /** Things worth saying in the dry run and summary that do not stop the run. */
  notes: string[];
}

export interface PlanInput {
  lockout: LockoutConfig;
  /** The live AVImark folder. */
  source: string;
  /** The safety net (issue 13 §2), taken as the first step when given (src/lockout/safety-net.ts). */
  safetyNet?: SafetyNetStep;
}

/** The executables to rename: configured ones, or avimark.exe in the source folder. */
export function executablesToRename(input: PlanInput): Array<{ path: string; optional: boolean }> {
  return input.lockout.executables ?? [{ path: joinPath(input.source, 'avimark.exe'), optional: false }];
}

export function lockedPathFor(executable: string): string {
  return `${executable}${LOCKED_EXECUTABLE_SUFFIX}`;
}

/**
 * The lockout as an ordered list of steps: first block new entry (rename executables, lock the share
 * for new connections), then ask processes to close and wait the grace period while AVImarkServer and
 * the open files still work (AVImark can still save), then close open files and their sessions, stop +
 * disable services, force-stop the rest. Pure: the same config and observations always give the same
 * plan. Why this order: docs/nightly-cycle.md.
 */
export function lockoutPlan(input: PlanInput, observed: HostObservations): LockoutPlan {
  const { lockout } = input;
  const acc: PlanParts = { steps: input.safetyNet ? [input.safetyNet] : [], problems: [], notes: [] };
  const { steps, problems, notes } = acc;
  planExecutables(input, observed, acc);
  planShare(lockout.share, observed.share, acc);

  // Ask AVImark to close while AVImarkServer and the open files still work, so it can still save.
  const names = lockout.processes.map((p) => p.name);
  if (names.length > 0) {
    steps.push({
      kind: 'closeProcesses',
      names,
      observed: observed.processes,
      graceSeconds: lockout.gracePeriodSeconds,
    });
  }

  steps.push({
    kind: 'closeOpenFiles',
    pathPrefix: input.source,
    observedFiles: observed.openFiles,
    observedSessions: observed.sessions.filter((s) => observed.openFiles.some((f) => f.sessionId === s.sessionId)),
  });

  planServices(lockout, observed, acc);

  if (names.length > 0) steps.push({ kind: 'forceStopProcesses', names, waitSeconds: 30 });
  return { steps, problems, notes };
}

/** What the plan is made of, filled in step by step. */
interface PlanParts {
  steps: LockoutStep[];
  problems: PlanProblem[];
  notes: string[];
}

/** Renames the executables, or says why not. */
function planExecutables(input: PlanInput, observed: HostObservations, { steps, problems, notes }: PlanParts): void {
  const executables = executablesToRename(input);
  executables.forEach((exe, i) => {
    const seen = observed.executables.find((e) => e.path === exe.path);
    const field = input.lockout.executables ? `lockout.executables[${i}].path` : 'lockout.executables';
    const actual = seen?.onDisk ?? exe.path;
    if (seen?.lockedExists) {
      problems.push({
        message: `${lockedPathFor(actual)} exists: an earlier lockout was not undone. Run "avimark-backup recover", or rename it back to ${actual} by hand.`,
      });
      return;
    }
    if (!seen?.onDisk) {
      if (exe.optional) notes.push(`executable ${exe.path} not found (optional): not renamed`);
      else problems.push({ field, message: `executable ${exe.path} not found` });
      return;
    }
    // The name as the folder spells it (AVImark.exe), so that giving back restores that exact spelling.
    steps.push({ kind: 'renameExecutable', path: seen.onDisk, lockedPath: lockedPathFor(seen.onDisk) });
  });
}

/** Locks the share (its ACL, or removes it), or says why not. */
function planShare(
  wanted: PlanInput['lockout']['share'],
  share: HostObservations['share'],
  { steps, problems, notes }: PlanParts,
): void {
  if (!wanted) return;
  if (!share) {
    if (wanted.optional) notes.push(`share ${wanted.name} not found (optional): not locked`);
    else
      problems.push({
        field: 'lockout.share.name',
        message: `SMB share "${wanted.name}" not found on this server`,
      });
  } else if (share.special) {
    problems.push({
      field: 'lockout.share.name',
      message: `share "${share.name}" is an administrative share; it cannot be locked`,
    });
  } else if (share.securityDescriptor.trim() === '') {
    problems.push({
      message: `share "${share.name}" reported an empty security descriptor; refusing to lock what could not be restored exactly`,
    });
  } else if (share.securityDescriptor === DENY_ALL_SHARE_SDDL) {
    problems.push({
      message: `share "${share.name}" already has the lockout ACL: an earlier lockout was not undone. Run "avimark-backup recover".`,
    });
  } else if (wanted.method === 'sddl') {
    steps.push({ kind: 'lockShareSddl', share: share.name, original: share, lockedSddl: DENY_ALL_SHARE_SDDL });
  } else {
    steps.push({ kind: 'removeShare', share: share.name, original: share });
  }
}

/** Stops and disables the services, or says why not. */
function planServices(
  lockout: PlanInput['lockout'],
  observed: HostObservations,
  { steps, problems, notes }: PlanParts,
): void {
  lockout.services.forEach((svc, i) => {
    const seen = observed.services.find((s) => s.name === svc.name)?.info ?? null;
    if (!seen) {
      if (svc.optional) notes.push(`service ${svc.name} not found (optional): not stopped`);
      else
        problems.push({
          field: `lockout.services[${i}].name`,
          message: `service "${svc.name}" not found on this server`,
        });
      return;
    }
    steps.push({
      kind: 'stopService',
      service: seen.name,
      originalStartType: seen.startType,
      originalStatus: seen.status,
      timeoutSeconds: lockout.serviceTimeoutSeconds,
    });
  });
}

/** Human-readable plan for --dry-run: who is affected and what each step does. */
export function describePlan(plan: LockoutPlan, observed: HostObservations): string[] {
  const lines: string[] = [];
  const users = new Set<string>();
  for (const s of observed.sessions) users.add(`${s.clientUserName} on ${s.clientComputerName} (SMB)`);
  for (const p of observed.processes)
    users.add(`${p.userName ?? 'unknown user'} (session ${p.sessionId}, ${p.name} pid ${p.id})`);
  lines.push(`Users affected: ${users.size === 0 ? 'none connected right now' : ''}`);
  for (const u of users) lines.push(`  - ${u}`);
  lines.push('Lockout steps, in order:');
  plan.steps.forEach((step, i) => {
    lines.push(`  ${i + 1}. ${describeStep(step)}`);
  });
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  return lines;
}

function describeStep(step: LockoutStep): string {
  switch (step.kind) {
    case 'safetyNet':
      return `register the safety-net task ${step.taskPath}${step.taskName} (SYSTEM): "${step.execute}" ${step.argument} at ${step.runAt}, should this run be killed; removed afterwards`;
    case 'renameExecutable':
      return `rename ${step.path} to ${step.lockedPath} (blocks relaunch; renamed back afterwards)`;
    case 'lockShareSddl':
      return `share ${step.share} (${step.original.path}): replace ACL ${step.original.securityDescriptor} with ${step.lockedSddl}; restored afterwards`;
    case 'removeShare':
      return `share ${step.share} (${step.original.path}): remove it after saving its full definition; re-created afterwards`;
    case 'closeOpenFiles': {
      const files = step.observedFiles.map((f) => `${f.path} (${f.clientUserName})`);
      return `close SMB open files under ${step.pathPrefix} and the sessions holding them: ${files.length === 0 ? 'none open now' : files.join(', ')}`;
    }
    case 'stopService':
      return `service ${step.service}: set Disabled, stop (now ${step.originalStatus}, ${step.originalStartType}; restored afterwards)`;
    case 'closeProcesses': {
      const procs = step.observed.map((p) => `${p.name} pid ${p.id}`);
      return `ask ${step.names.join(', ')} to close, wait up to ${step.graceSeconds}s: ${procs.length === 0 ? 'none running now' : procs.join(', ')}`;
    }
    case 'forceStopProcesses':
      return `force-stop any ${step.names.join(', ')} still running`;
  }
}

/** Turns lockout plan problems into one error: exit 2 when they are all about the config, else exit 1. */
export function planProblemsError(problems: PlanProblem[]): AppError {
  const lines = problems.map((p) => (p.field ? `config ${p.field}: ${p.message}` : p.message));
  const message = `preflight failed, nothing was changed and no user was disturbed:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  if (problems.every((p) => p.field)) {
    if (problems.length === 1)
      return new ConfigError(problems[0].field ?? '', problems[0].message, 'fix the name, or mark it "optional": true');
    return new UsageError(message, 'fix the names, or mark them "optional": true');
  }
  return new RunFailedError(message);
}
