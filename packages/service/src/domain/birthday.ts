/**
 * The hello-birthday rules, free of I/O and of any HTTP framework, so the Koa service and the
 * benchmark's bare node:http twin run exactly the same logic.
 */

export type Result<T> = { ok: true; value: T } | { ok: false; detail: string };

const USERNAME_PATTERN = /^\p{L}{1,64}$/u;
const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
export const MS_PER_DAY = 86_400_000;

/** `raw` is the already percent-decoded path segment. Letters of any script, 1–64 code points after NFC. */
export function parseUsername(raw: string): Result<string> {
  const username = raw.normalize('NFC');
  if (USERNAME_PATTERN.test(username)) return { ok: true, value: username };
  return {
    ok: false,
    detail: 'username must be 1 to 64 letters (any script), without digits, spaces or symbols',
  };
}

/** Exactly `YYYY-MM-DD`, a real calendar date, strictly before `today` (itself `YYYY-MM-DD`). */
export function parseDateOfBirth(raw: unknown, today: string): Result<string> {
  if (typeof raw !== 'string')
    return { ok: false, detail: 'dateOfBirth must be a string in YYYY-MM-DD format' };
  const parts = ISO_DATE_PATTERN.exec(raw);
  if (parts === null) return { ok: false, detail: 'dateOfBirth must be in YYYY-MM-DD format' };
  const year = Number(parts[1]);
  const month = Number(parts[2]);
  const day = Number(parts[3]);
  // The Gregorian calendar has no year 0.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, detail: `dateOfBirth ${raw} is not a real calendar date` };
  }
  // Same fixed-width format on both sides, so string order is date order.
  if (raw >= today) return { ok: false, detail: 'dateOfBirth must be a date before today' };
  return { ok: true, value: raw };
}

/** Whole calendar days from `today` to the next birthday; 0 on the birthday. 29 Feb falls on 28 Feb in non-leap years. */
export function daysUntilBirthday(today: string, dateOfBirth: string): number {
  const todayYear = Number(today.slice(0, 4));
  const todayMs = utcMs(todayYear, Number(today.slice(5, 7)), Number(today.slice(8, 10)));
  const birthMonth = Number(dateOfBirth.slice(5, 7));
  const birthDay = Number(dateOfBirth.slice(8, 10));
  let nextMs = birthdayMs(todayYear, birthMonth, birthDay);
  if (nextMs < todayMs) nextMs = birthdayMs(todayYear + 1, birthMonth, birthDay);
  return Math.round((nextMs - todayMs) / MS_PER_DAY);
}

export function greeting(username: string, days: number): string {
  if (days === 0) return `Hello, ${username}! Happy birthday!`;
  return `Hello, ${username}! Your birthday is in ${days} day(s)`;
}

/** The UTC calendar date of `now`, `YYYY-MM-DD`. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function birthdayMs(year: number, month: number, day: number): number {
  return utcMs(year, month, month === 2 && day === 29 && !isLeapYear(year) ? 28 : day);
}

function utcMs(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}
