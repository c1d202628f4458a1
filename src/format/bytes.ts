/** Sizes for people, in binary units (1 KiB = 1024 B). The one place sizes are written. */

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
const POWER = { KiB: 1, MiB: 2, GiB: 3, TiB: 4 } as const;

export interface BytesOptions {
  /** Whole numbers from 100 up ("512 MiB", "12.5 MiB"), for tables, charts and the bench. Default: one decimal. */
  compact?: boolean;
  /** Unit labels, smallest first, each 1024 times the one before. Default: B, KiB, MiB, GiB, TiB. */
  units?: readonly string[];
}

/** The largest unit that keeps the number at or above 1: "0 B", "512 B", "1.5 KiB", "2.3 GiB". */
export function formatBytes(bytes: number, options: BytesOptions = {}): string {
  const units = options.units ?? BINARY_UNITS;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${options.compact ? value.toFixed(0) : value} ${units[0]}`;
  const digits = options.compact && Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** In a fixed unit, for figures read side by side: formatBytesIn(3 << 20, 'MiB') = "3.0 MiB". */
export function formatBytesIn(bytes: number, unit: keyof typeof POWER, decimals = 1): string {
  return `${(bytes / 1024 ** POWER[unit]).toFixed(decimals)} ${unit}`;
}
