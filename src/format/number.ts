/** Counts and ratios for people: fixed, not the machine's locale (messages and tests must not depend on it). */

/** 3339 → "3,339". */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A whole number as it is, anything else with one decimal: 5 → "5", 2.25 → "2.3". */
export function formatDecimal(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** 10 → "10%", 12.5 → "12.5%". */
export function formatPercent(p: number): string {
  return `${formatDecimal(p)}%`;
}

/** A count with its noun: plural(1, 'entry', 'entries') → "1 entry", plural(3, 'file') → "3 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
