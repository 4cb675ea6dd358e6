import test from 'ava';
import { putBirthday, startTestApp, TODAY } from './helpers/http-app.js';

for (const [label, value] of [
  ['a slash-separated date', '1990/05/17'],
  ['a date with a time', '1990-05-17T00:00:00Z'],
  ['a short year', '90-05-17'],
  ['one-digit month and day', '1990-5-7'],
  ['surrounding spaces', ' 1990-05-17 '],
  ['a five-digit year', '19900-05-17'],
  ['non-ASCII digits', '١٩٩٠-٠٥-١٧'],
  ['an empty string', ''],
  ['a day-first date', '17-05-1990'],
] as const) {
  test(`${label} is not YYYY-MM-DD: 400`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await putBirthday(app, 'Alice', value);
    t.is(reply.status, 400, reply.text);
    t.is(reply.headers['content-type'], 'application/problem+json');
  });
}

for (const value of [
  '2023-02-29',
  '1900-02-29',
  '1990-04-31',
  '1990-13-01',
  '1990-00-10',
  '1990-01-00',
  '1990-01-32',
  '0000-01-01',
]) {
  test(`${value} is not a real calendar date: 400`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    t.is((await putBirthday(app, 'Alice', value)).status, 400);
  });
}

test('real dates in the past are accepted, 29 February of a leap year included', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  for (const value of ['2000-02-29', '1600-02-29', '0001-01-01', '2024-02-29']) {
    t.is((await putBirthday(app, 'Alice', value)).status, 204, value);
  }
});

test('today is rejected, yesterday is accepted', async (t) => {
  const app = await startTestApp({ today: TODAY });
  t.teardown(app.close);
  t.is((await putBirthday(app, 'Alice', TODAY)).status, 400);
  t.is((await putBirthday(app, 'Alice', '2024-02-29')).status, 204);
});

test('future dates are rejected', async (t) => {
  const app = await startTestApp({ today: TODAY });
  t.teardown(app.close);
  t.is((await putBirthday(app, 'Alice', '2024-03-02')).status, 400);
  t.is((await putBirthday(app, 'Alice', '2999-01-01')).status, 400);
  t.is(await app.repository.findDateOfBirth('Alice'), undefined);
});
