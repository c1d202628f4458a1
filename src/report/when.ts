/**
 * Relative day words for people who do not read timestamps: "last night 02:14", "Tuesday 02:10".
 * Pure: everything is relative to a given `now`, in a given time zone (default: the machine's).
 */

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: string;
  monthName: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
      weekday: 'long',
    });
    formatters.set(key, f);
  }
  return f;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function wallClock(date: Date, timeZone?: string): WallClock {
  const parts = formatter(timeZone).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const month = Number(get('month'));
  return {
    year: Number(get('year')),
    month,
    day: Number(get('day')),
    hour: Number(get('hour')) % 24,
    minute: Number(get('minute')),
    weekday: get('weekday'),
    monthName: MONTHS[month - 1] ?? '',
  };
}

function dayNumber(c: WallClock): number {
  return Math.round(Date.UTC(c.year, c.month - 1, c.day) / 86_400_000);
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function clockTime(date: Date, timeZone?: string): string {
  const c = wallClock(date, timeZone);
  return `${pad(c.hour)}:${pad(c.minute)}`;
}

/** Calendar days between `date` and `now` in the time zone (0 = same day, 1 = yesterday). */
export function daysBefore(date: Date, now: Date, timeZone?: string): number {
  return dayNumber(wallClock(now, timeZone)) - dayNumber(wallClock(date, timeZone));
}

/**
 * The day part of a moment, as a person says it: "last night", "this morning", "today", "yesterday",
 * "Tuesday", "14 Nov" (or "14 Nov 2025" in another year). Used with a clock time.
 */
export function dayWords(date: Date, now: Date, timeZone?: string): string {
  const at = wallClock(date, timeZone);
  const ref = wallClock(now, timeZone);
  const days = dayNumber(ref) - dayNumber(at);
  if (days === 0) {
    // Read during the same night, "last night" would point at the night before.
    if (at.hour < 6 && ref.hour >= 6) return ref.hour < 12 ? 'last night' : 'early this morning';
    return 'today';
  }
  if (days === 1) return at.hour >= 18 && ref.hour < 12 ? 'last night' : 'yesterday';
  if (days > 1 && days < 7) return at.weekday;
  return `${at.day} ${at.monthName}${at.year === ref.year ? '' : ` ${at.year}`}`;
}

/** "last night 02:14", "Tuesday 02:10", "14 Nov 02:10". */
export function whenWords(date: Date, now: Date, timeZone?: string): string {
  return `${dayWords(date, now, timeZone)} ${clockTime(date, timeZone)}`;
}

/** Only the day, for events whose hour does not matter: "today", "yesterday", "Sunday", "on 14 Nov". */
export function dayOnlyWords(date: Date, now: Date, timeZone?: string): string {
  const days = daysBefore(date, now, timeZone);
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  const words = dayWords(date, now, timeZone);
  return days > 1 && days < 7 ? words : `on ${words}`;
}
