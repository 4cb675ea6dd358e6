import { MS_PER_DAY, utcDate } from './birthday.js';
import type { Clock } from './clock.js';

/**
 * "Today" (UTC, `YYYY-MM-DD`) from the clock, formatted once per day instead of once per request:
 * the clock is still read every time, so a pinned or moving test clock is honoured.
 */
export function createTodayFromClock(clock: Clock): () => string {
  let today = '';
  let validFrom = 0;
  let validUntil = 0;
  return () => {
    const now = clock.now().getTime();
    if (now < validFrom || now >= validUntil) {
      validFrom = now - (now % MS_PER_DAY);
      validUntil = validFrom + MS_PER_DAY;
      today = utcDate(new Date(now));
    }
    return today;
  };
}
