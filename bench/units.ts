/** Byte sizes and durations as people type and read them. */

import { formatBytes as formatSize, formatBytesIn } from '../src/format/bytes';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** "512MiB", "2GiB", "1.5g", "1000000" → bytes. Throws on anything else. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`not a size: "${text}" (examples: 512MiB, 2GiB, 100MB)`);
  return Math.round(Number(m[1]) * unit);
}

/** Compact binary sizes: "512 MiB", "1.5 KiB" (src/format/bytes.ts). */
export function formatBytes(bytes: number): string {
  return formatSize(bytes, { compact: true });
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`;
  if (seconds < 100) return `${seconds.toFixed(2)} s`;
  return `${seconds.toFixed(0)} s`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytesIn(bytesPerSecond, 'MiB', 0)}/s`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
