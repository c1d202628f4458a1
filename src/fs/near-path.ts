/**
 * Whether a path is on a disk of this computer ("near"), where a metadata call (lstat, link) returns in
 * microseconds, so making it synchronously on the main thread costs less than a request to libuv's thread
 * pool (a pool thread woken, then the event loop: docs/bench.md, "Where the time goes"). A path on a
 * network share is "far": there a call can take a network round trip, or hang for the share's timeout, and
 * must not block the event loop (the lockout's watchdog and stop requests run on it). The engine asks the same
 * before copying, restoring or hashing a small file through synchronous calls (./sync-io.ts).
 *
 * Far: a UNC path, `\\server\share\…` or `//server/share/…`, and its long form `\\?\UNC\server\share\…`.
 * Near: everything else, drive letters, long paths (`\\?\C:\…`), device paths (the shadow copy's
 * `\\?\GLOBALROOT\Device\…`, `\\.\…`) and POSIX paths. Two cases it cannot see: a drive letter mapped to a
 * share in a user's session (it does not exist for SYSTEM, the nightly task's account, and the pre-flight
 * warns about it: src/cycle/preflight.ts), and a network file system mounted on Linux (where the tests and
 * the bench run, not AVImark). Either still gives the right answers; each call then holds the event loop for a
 * network round trip.
 */
export function isNearPath(p: string): boolean {
  if (/^[\\/]{2}[?.][\\/]/.test(p)) return !/^[\\/]{2}[?.][\\/]UNC(?:[\\/]|$)/i.test(p);
  return !/^[\\/]{2}[^\\/]/.test(p);
}
