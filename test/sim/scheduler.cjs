// The simulated Task Scheduler service: runs the actions of registered tasks (state "scheduledTasks",
// written by the simulated ScheduledTasks module) whose trigger is due, as real processes, like the
// Windows service does when a trigger fires. Used by tests through test/helpers/sim.ts fireDueTasks()
// and from a shell through test/sim/bin/fire-due-tasks.
//   - A time trigger (MSFT_TaskTimeTrigger, New-ScheduledTaskTrigger -Once -At) is due when its
//     StartBoundary (local time, as Task Scheduler stores it without an offset) is at or before `now`;
//     it fires once (the task's LastRunTime is then set).
//   - A boot trigger (MSFT_TaskBootTrigger, -AtStartup) fires when `boot: true` is passed.
//   - A disabled task (Settings.Enabled false) never fires.
//   - Settings.ExecutionTimeLimit is enforced like Task Scheduler does: the process is terminated
//     (SIGKILL, what TerminateProcess is) when it runs longer.
// The action runs with the environment given (the simulator's), Arguments split the way
// CommandLineToArgvW splits a Windows command line, in WorkingDirectory if set.
'use strict';
const { spawn } = require('node:child_process');
const { updateState } = require('./state.cjs');

/** Splits a Windows command line like CommandLineToArgvW (quotes, and backslashes before quotes). */
function splitWindowsArgs(line) {
  const args = [];
  let current = '';
  let inQuotes = false;
  let hasArg = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (c === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n += 1;
        i += 1;
      }
      if (line[i] === '"') {
        current += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) current += '"';
        else inQuotes = !inQuotes;
      } else {
        current += '\\'.repeat(n);
        i -= 1;
      }
      hasArg = true;
    } else if (c === '"') {
      if (inQuotes && line[i + 1] === '"') {
        current += '"';
        i += 1;
      } else inQuotes = !inQuotes;
      hasArg = true;
    } else if (!inQuotes && (c === ' ' || c === '\t')) {
      if (hasArg) args.push(current);
      current = '';
      hasArg = false;
    } else {
      current += c;
      hasArg = true;
    }
  }
  if (hasArg) args.push(current);
  return args;
}

/** 'PT72H', 'PT1H30M', 'PT0S' -> milliseconds (0 = no limit). */
function durationMs(text) {
  if (typeof text !== 'string') return 72 * 3600_000;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m) return 72 * 3600_000;
  const [, d, h, min, s] = m.map((x) => Number(x ?? 0));
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

function isDue(task, now, boot) {
  if (task.Settings && task.Settings.Enabled === false) return false;
  for (const t of task.Triggers ?? []) {
    if (!t || t.Enabled === false) continue;
    if (t.ClassName === 'MSFT_TaskBootTrigger' && boot) return true;
    if (t.ClassName === 'MSFT_TaskTimeTrigger' && !task.LastRunTime && t.StartBoundary) {
      const at = Date.parse(t.StartBoundary);
      if (!Number.isNaN(at) && at <= now.getTime()) return true;
    }
  }
  return false;
}

function runAction(action, env, limitMs) {
  return new Promise((resolve) => {
    const args = action.Arguments ? splitWindowsArgs(action.Arguments) : [];
    const child = spawn(action.Execute, args, {
      cwd: action.WorkingDirectory || undefined,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = limitMs > 0 ? setTimeout(() => child.kill('SIGKILL'), limitMs) : null;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      resolve({ exitCode: null, signal: null, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ exitCode: code, signal, stdout, stderr });
    });
  });
}

/**
 * Fires every due task once, runs its actions in order (each a real process, awaited), and records
 * LastRunTime / LastTaskResult in the state. Returns what ran.
 */
async function fireDueTasks(options = {}) {
  const now = options.now ?? new Date();
  const env = options.env ?? process.env;
  const statePath = options.statePath ?? env.AVIMARK_SIM_STATE;
  const due = updateState((state) => {
    const picked = [];
    for (const task of state.scheduledTasks ?? []) {
      if (!task || !isDue(task, now, Boolean(options.boot))) continue;
      task.LastRunTime = now.toISOString();
      task.State = 'Running';
      picked.push(JSON.parse(JSON.stringify(task)));
    }
    return picked;
  }, statePath);
  const fired = [];
  for (const task of due) {
    const limitMs = durationMs(task.Settings?.ExecutionTimeLimit);
    const results = [];
    for (const action of task.Actions ?? []) results.push(await runAction(action, env, limitMs));
    const last = results.at(-1);
    const result = last?.signal ? 0x41306 /* SCHED_S_TASK_TERMINATED */ : (last?.exitCode ?? 0);
    updateState((state) => {
      const stored = (state.scheduledTasks ?? []).find(
        (t) => t && t.TaskName === task.TaskName && t.TaskPath === task.TaskPath,
      );
      if (stored) {
        stored.LastTaskResult = result;
        stored.State = 'Ready';
      }
    }, statePath);
    fired.push({ taskName: task.TaskName, taskPath: task.TaskPath, results });
  }
  return fired;
}

module.exports = { fireDueTasks, splitWindowsArgs, durationMs };
