/**
 * The one way the engine and restore turn a nanosecond time into the seconds `utimes` takes. A double
 * cannot hold a present-day time to the nanosecond, and libuv truncates what it gets to the microsecond
 * (POSIX) or 100 ns (Windows); aiming at the middle of the microsecond makes the result exactly
 * floor(ns / 1000) µs every time, whatever the rounding of the division, so a restored file's time always
 * equals the snapshot file's.
 */
export function utimesSeconds(ns: bigint | string): number {
  const n = BigInt(ns);
  let seconds = n / 1_000_000_000n;
  let rest = n % 1_000_000_000n;
  if (rest < 0n) {
    seconds -= 1n;
    rest += 1_000_000_000n;
  }
  return Number(seconds) + (Number(rest / 1000n) + 0.5) / 1e6;
}
