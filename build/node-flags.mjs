// The Node and V8 flags the single executables start with (their sea-config `execArgv`), in one place:
// build/sea.mjs builds them into the executables, and the bench runs the bundle with them, so that it
// measures what ships. They tune memory only (docs/bench.md, "Memory: the collector's settings"):
// - a young generation of 2 x 2 MiB instead of V8's 2 x 16 MiB: what a run allocates per file (a stat,
//   promises, a manifest line) dies within a file or two, so a small young generation promotes little
//   (2 x 4 MiB until 2026-12-07: 3-5 MB more at the peak, for ~1-2 % less CPU in the collector);
// - the old generation collected once it has grown 20 % past what the last collection kept (or 8 MiB, V8's
//   least step) instead of V8's factor of up to 4, so what does get promoted (a file's state while its
//   copy waits for the batch's fsync) is collected at tens of MiB, not left to pile up;
// - two threads for V8's background work (garbage collection, compiling) instead of Node's four: each
//   thread keeps its own allocator arena, and this program's heap is a few tens of MiB.
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=20', '--v8-pool-size=2'];
