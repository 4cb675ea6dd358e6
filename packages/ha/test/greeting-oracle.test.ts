import test from 'ava';
import { acceptableGreetings, UserFactory } from '../src/users.js';

const at = (iso: string) => () => new Date(iso);

test('a user made for a birthday N days away expects "in N day(s)", and "Happy birthday!" for 0', (t) => {
  const users = new UserFactory('x', at('2026-03-10T12:00:00Z'));
  const inTwelve = users.next(12);
  t.is(inTwelve.dateOfBirth, '1990-03-22');
  t.deepEqual(acceptableGreetings(inTwelve, new Date('2026-03-10T23:00:00Z')), [
    `Hello, ${inTwelve.username}! Your birthday is in 12 day(s)`,
  ]);
  const today = users.next(0);
  t.deepEqual(acceptableGreetings(today, new Date('2026-03-10T13:00:00Z')), [
    `Hello, ${today.username}! Happy birthday!`,
  ]);
});

test('the expected greeting follows midnight: one day later it is one day fewer', (t) => {
  const users = new UserFactory('x', at('2026-12-31T23:59:59Z'));
  const user = users.next(1);
  t.is(user.dateOfBirth, '1990-01-01');
  t.deepEqual(acceptableGreetings(user, new Date('2027-01-01T00:00:01Z')), [
    `Hello, ${user.username}! Happy birthday!`,
  ]);
});

test('usernames are unique and letters only; 29 February is never used', (t) => {
  const users = new UserFactory('x', at('2028-02-28T10:00:00Z'));
  const made = Array.from({ length: 500 }, () => users.next());
  t.is(new Set(made.map((u) => u.username)).size, 500);
  t.true(made.every((u) => /^[a-z]+$/.test(u.username)));
  t.false(made.some((u) => u.dateOfBirth.endsWith('02-29')));
  t.is(users.next(1).dateOfBirth, '1990-03-01');
});
