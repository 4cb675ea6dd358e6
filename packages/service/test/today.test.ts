import test from 'ava';
import { createTodayFromClock } from '../src/domain/today.js';

test('today follows the clock across UTC midnight, in both directions', (t) => {
  let now = new Date('2024-02-28T23:59:59.999Z');
  const today = createTodayFromClock({ now: () => now });
  t.is(today(), '2024-02-28');
  now = new Date('2024-02-29T00:00:00.000Z');
  t.is(today(), '2024-02-29');
  now = new Date('2024-02-29T23:59:59.999Z');
  t.is(today(), '2024-02-29');
  now = new Date('2023-12-31T12:00:00.000Z');
  t.is(today(), '2023-12-31');
});
