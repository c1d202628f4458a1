// The Node and V8 flags the single executables start with (their sea-config `execArgv`), in one place:
// build/sea.mjs builds them into the executables, and the bench runs the bundle with them, so that it
// measures what ships. They tune the garbage collector only (docs/bench.md, "Memory: the collector"):
// - a young generation of 2 x 8 MiB instead of V8's 2 x 16 MiB: a run's short-lived objects (a file's
//   stat, promises, a manifest line) die young either way, and the other 16 MiB stay with the system;
// - the old generation collected once it has grown 20 % past what the last collection kept (or 8 MiB, V8's
//   least step) instead of V8's factor of up to 4, so the garbage a full backup promotes (a file's state
//   while its copy waits for the batch's fsync) is collected at tens of MiB, not left to pile up.
export const NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=20'];
