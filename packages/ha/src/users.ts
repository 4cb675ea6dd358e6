import { randomInt } from 'node:crypto';

const letters = 'abcdefghijklmnopqrstuvwxyz';
const msPerDay = 86_400_000;
const firstBirthday = Date.UTC(1940, 0, 1);

function inLetters(n: number): string {
  let text = '';
  let rest = n;
  do {
    text = (letters[rest % 26] as string) + text;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return text;
}

/** Unique, valid usernames (letters only, as the service requires) and varied dates of birth. */
export class UserFactory {
  readonly #prefix: string;
  #next = 0;

  constructor(label: string) {
    // A random tag keeps runs against the same database (CI e2e, repeated smoke) from colliding.
    this.#prefix = `${label}${inLetters(randomInt(26 ** 5))}x`;
  }

  next(): { username: string; dateOfBirth: string } {
    const sequence = this.#next++;
    // Spread over ~80 years, so leap days, today's birthday and year wrap all come up.
    const day = (sequence * 7919) % 29_000;
    return {
      username: this.#prefix + inLetters(sequence),
      dateOfBirth: new Date(firstBirthday + day * msPerDay).toISOString().slice(0, 10),
    };
  }
}
