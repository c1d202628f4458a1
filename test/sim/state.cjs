// Node side of the simulated server's state file protocol (see modules/AvbSim.State/AvbSim.State.psm1):
// <state>.lock created exclusively (stale after 10 s), then an atomic replace through <state>.tmp.<pid>.
'use strict';
const { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } = require('node:fs');

function statePath() {
  const p = process.env.AVIMARK_SIM_STATE;
  if (!p) throw new Error('AVIMARK_SIM_STATE is not set: the simulated Windows server has no state file.');
  return p;
}

const LISTS = ['shares', 'sessions', 'openFiles', 'services', 'volumes', 'shadowCopies', 'eventSources', 'events', 'messages', 'processes', 'calls', 'scheduledTasks'];

/** The state, with absent parts empty (a hand-written state file may leave them out). */
function readState(path = statePath()) {
  const state = JSON.parse(readFileSync(path, 'utf8'));
  for (const key of LISTS) state[key] ??= [];
  state.knobs ??= {};
  state.msg ??= { behaviour: 'ok' };
  return state;
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function lock(path) {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lockPath;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > 10_000) unlinkSync(lockPath);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`Simulated server state is locked (${lockPath}).`);
      sleepMs(5);
    }
  }
}

/** Runs update(state) under the lock, writes the state back atomically, returns update's result. */
function updateState(update, path = statePath()) {
  const lockPath = lock(path);
  try {
    const state = readState(path);
    const result = update(state);
    const tmp = `${path}.tmp.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(state, null, 2));
    renameSync(tmp, path);
    return result;
  } finally {
    unlinkSync(lockPath);
  }
}

function recordCall(command, parameters) {
  updateState((s) => {
    s.calls.push({ Command: command, Parameters: parameters });
  });
}

module.exports = { statePath, readState, updateState, recordCall };
