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

/**
 * What `utimes` is given for a recorded time. Node turns a negative number into "now" (a 1969 file would come
 * back dated today), but takes a numeric string as it is; and libuv truncates a time before 1970 toward zero,
 * so such a time aims half a microsecond below floor(ns / 1000) µs to land on it. Present-day times are
 * utimesSeconds' number.
 */
export function utimesTime(ns: bigint | string): number | string {
  const n = BigInt(ns);
  if (n >= 0n) return utimesSeconds(n);
  const micros = n / 1000n - (n % 1000n === 0n ? 0n : 1n); // floor, for a negative n
  const aim = -(micros * 1000n - 500n); // nanoseconds below the epoch, positive
  return `-${aim / 1_000_000_000n}.${(aim % 1_000_000_000n).toString().padStart(9, '0')}`;
}
