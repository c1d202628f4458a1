import { pad2 } from './clock';

/** Durations for people. The one place lengths of time are written. */

export interface DurationOptions {
  /**
   * Whole seconds with a two-digit minor part ("42 s", "2 min 05 s", "3 h 01 min"), for tables and charts.
   * Default: a tenth of a second under a minute ("4.2 s", "2 min 5 s", "3 h 1 min"), for summaries.
   */
  whole?: boolean;
}

export function formatDuration(seconds: number, options: DurationOptions = {}): string {
  if (options.whole) {
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${pad2(s % 60)} s`;
    return `${Math.floor(m / 60)} h ${pad2(m % 60)} min`;
  }
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
