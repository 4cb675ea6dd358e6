import { randomInt } from 'node:crypto';

const letters = 'abcdefghijklmnopqrstuvwxyz';
const msPerDay = 86_400_000;
/** Birthdays up to this many days ahead (0 = today, "Happy birthday!"). */
const horizonDays = 300;

/** A user the load sends, with what the service must answer about it. */
export interface TestUser {
  readonly username: string;
  readonly dateOfBirth: string;
  /** Days from the UTC day it was made (`madeOnDay`, days since the epoch) to the birthday. */
  readonly daysAway: number;
  readonly madeOnDay: number;
}

function inLetters(n: number): string {
  let text = '';
  let rest = n;
  do {
    text = (letters[rest % 26] as string) + text;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return text;
}

function utcDay(now: Date): number {
  return Math.floor(now.getTime() / msPerDay);
}

/**
 * Unique, valid usernames (letters only) with a date of birth whose next birthday is a known number of
 * days away: the expected greeting follows from construction, not from the service's own day count (an
 * independent oracle, and no need for the service's build where only the clients are installed).
 */
export class UserFactory {
  readonly #prefix: string;
  readonly #now: () => Date;
  #next = 0;

  constructor(label: string, now: () => Date = () => new Date()) {
    // A random tag keeps runs against the same database (CI e2e, repeated smoke) from colliding.
    this.#prefix = `${label}${inLetters(randomInt(26 ** 5))}x`;
    this.#now = now;
  }

  /** A new user whose birthday is `daysAway` days from today (spread over 0…300 when not given). */
  next(daysAway?: number): TestUser {
    const sequence = this.#next++;
    const today = utcDay(this.#now());
    let away = daysAway ?? (sequence * 37) % (horizonDays + 1);
    // 29 February has no fixed distance (it moves to the 28th in common years): take the next day.
    if (new Date((today + away) * msPerDay).toISOString().slice(5, 10) === '02-29') away += 1;
    const monthDay = new Date((today + away) * msPerDay).toISOString().slice(5, 10);
    return {
      username: this.#prefix + inLetters(sequence),
      // 1990 is not a leap year and is before any "today" this runs on.
      dateOfBirth: `1990-${monthDay}`,
      daysAway: away,
      madeOnDay: today,
    };
  }
}

/** The greetings the service may answer for `user` at `now` (the day may have turned since it was made). */
export function acceptableGreetings(user: TestUser, now: Date): string[] {
  const left = user.daysAway - (utcDay(now) - user.madeOnDay);
  if (left === 0) return [`Hello, ${user.username}! Happy birthday!`];
  if (left > 0) return [`Hello, ${user.username}! Your birthday is in ${left} day(s)`];
  // Past the birthday (a run across midnight): next year's, 364 or 365 days ahead depending on leap years.
  return [364, 365].map((days) => `Hello, ${user.username}! Your birthday is in ${days + left + 1} day(s)`);
}
