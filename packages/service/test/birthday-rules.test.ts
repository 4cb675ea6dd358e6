import test from 'ava';
import fc from 'fast-check';
import { daysUntilBirthday, greeting, parseDateOfBirth, utcDate } from '../src/domain/birthday.js';

test('utcDate is the UTC calendar date, whatever the local time zone', (t) => {
  t.is(utcDate(new Date('2024-03-01T23:59:59.999Z')), '2024-03-01');
  t.is(utcDate(new Date('2024-03-01T23:30:00-05:00')), '2024-03-02');
});

test('greeting wording', (t) => {
  t.is(greeting('Zoë', 0), 'Hello, Zoë! Happy birthday!');
  t.is(greeting('Zoë', 1), 'Hello, Zoë! Your birthday is in 1 day(s)');
  t.is(greeting('Zoë', 365), 'Hello, Zoë! Your birthday is in 365 day(s)');
});

test('days until the birthday are always 0..365 and 0 only on the birthday', (t) => {
  const day = fc
    .integer({ min: Date.UTC(1901, 0, 1), max: Date.UTC(2099, 11, 31) })
    .map((ms) => utcDate(new Date(ms)));
  fc.assert(
    fc.property(day, day, (a, b) => {
      const [birth, today] = a < b ? [a, b] : [b, a];
      const days = daysUntilBirthday(today, birth);
      const sameDay = birth.slice(5) === today.slice(5);
      const feb29OnFeb28 =
        birth.slice(5) === '02-29' && today.slice(5) === '02-28' && !isLeap(Number(today.slice(0, 4)));
      return days >= 0 && days <= 365 && (days === 0) === (sameDay || feb29OnFeb28);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('a date is valid only when real and before today', (t) => {
  t.true(parseDateOfBirth('2024-02-29', '2024-03-01').ok);
  t.false(parseDateOfBirth('2023-02-29', '2024-03-01').ok);
  t.false(parseDateOfBirth('0000-01-01', '2024-03-01').ok);
  t.false(parseDateOfBirth('2024-03-01', '2024-03-01').ok);
});

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
