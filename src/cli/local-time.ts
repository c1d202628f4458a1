import { pad2 } from '../format/clock';

/**
 * A moment as the commands print it: the machine's local time with its UTC offset, to the second —
 * "2026-11-26 02:14:05 +01:00" — so every time a command shows is in one zone and cannot be misread
 * (a timestamp from the store, written in UTC, and one from the state folder read alike). A text that is
 * not a time is returned as it is.
 */
export function localTime(at: string | Date): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`;
}
