/** Moments for people, in the machine's local time. (Relative day words, per time zone: report/when.ts.) */

export const pad2 = (n: number): string => String(n).padStart(2, '0');

/** "02:35". */
export function clockTime(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** "2026-11-26". */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** "2026-11-26 02:14". */
export function localStamp(d: Date): string {
  return `${localDate(d)} ${clockTime(d)}`;
}
