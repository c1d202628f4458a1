'use strict';
/**
 * Preloaded into a CLI under test (NODE_OPTIONS=--require) to hold its copy open long enough to be
 * interrupted: every fsync of a file whose path matches the regular expression
 * AVB_TEST_SLOW_SYNC_MATCH waits AVB_TEST_SLOW_SYNC_MS first. Test-only; nothing in the product reads these variables.
 */
const fsp = require('node:fs/promises');
const path = require('node:path');

const match = process.env.AVB_TEST_SLOW_SYNC_MATCH;
const ms = Number(process.env.AVB_TEST_SLOW_SYNC_MS ?? '500');
if (match) {
  const pattern = new RegExp(match);
  const open = fsp.open;
  fsp.open = async function slowSyncOpen(file, ...rest) {
    const handle = await open.call(this, file, ...rest);
    if (typeof file === 'string' && pattern.test(path.resolve(file))) {
      const sync = handle.sync;
      handle.sync = async function slowSync() {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return sync.call(handle);
      };
    }
    return handle;
  };
}
