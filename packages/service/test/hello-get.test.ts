import test from 'ava';
import { greetingFor, putBirthday, send, startTestApp } from './helpers/http-app.js';

async function greetingOn(today: string, dateOfBirth: string): Promise<string> {
  const app = await startTestApp({ today });
  try {
    const saved = await putBirthday(app, 'Alice', dateOfBirth);
    if (saved.status !== 204) throw new Error(`PUT answered ${saved.status}: ${saved.text}`);
    return await greetingFor(app, 'Alice');
  } finally {
    await app.close();
  }
}

test('200 with the days until the birthday, literally "day(s)"', async (t) => {
  const app = await startTestApp({ today: '2024-03-01' });
  t.teardown(app.close);
  await putBirthday(app, 'Alice', '1990-03-06');
  const reply = await send(app, 'GET', '/hello/Alice');
  t.is(reply.status, 200);
  t.regex(String(reply.headers['content-type']), /^application\/json/);
  t.deepEqual(reply.json(), { message: 'Hello, Alice! Your birthday is in 5 day(s)' });
});

test('one day away is still "1 day(s)"', async (t) => {
  t.is(await greetingOn('2024-03-01', '1990-03-02'), 'Hello, Alice! Your birthday is in 1 day(s)');
});

test('on the birthday: Happy birthday!', async (t) => {
  t.is(await greetingOn('2024-03-01', '1990-03-01'), 'Hello, Alice! Happy birthday!');
});

test('a birthday that already passed this year counts to next year (year wrap)', async (t) => {
  t.is(await greetingOn('2023-12-31', '2000-01-01'), 'Hello, Alice! Your birthday is in 1 day(s)');
  t.is(await greetingOn('2024-03-01', '1990-02-28'), 'Hello, Alice! Your birthday is in 364 day(s)');
  // 2024-03-02 → 2025-03-01: 364 days, 2025 is not a leap year.
  t.is(await greetingOn('2024-03-02', '1990-03-01'), 'Hello, Alice! Your birthday is in 364 day(s)');
});

test('29 February in a leap year is on 29 February', async (t) => {
  t.is(await greetingOn('2024-02-29', '2000-02-29'), 'Hello, Alice! Happy birthday!');
  t.is(await greetingOn('2024-02-28', '2000-02-29'), 'Hello, Alice! Your birthday is in 1 day(s)');
});

test('29 February falls on 28 February in a non-leap year', async (t) => {
  t.is(await greetingOn('2023-02-28', '2000-02-29'), 'Hello, Alice! Happy birthday!');
  t.is(await greetingOn('2023-02-27', '2000-02-29'), 'Hello, Alice! Your birthday is in 1 day(s)');
  // After 28 Feb 2023 the next one is 29 Feb 2024 (leap year): 2023-03-01 → 2024-02-29 = 365 days.
  t.is(await greetingOn('2023-03-01', '2000-02-29'), 'Hello, Alice! Your birthday is in 365 day(s)');
  // From 1 March 2024 the next is 28 Feb 2025.
  t.is(await greetingOn('2024-03-01', '2000-02-29'), 'Hello, Alice! Your birthday is in 364 day(s)');
});

test('unknown user is a 404 problem', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'GET', '/hello/Nobody');
  t.is(reply.status, 404);
  t.is(reply.headers['content-type'], 'application/problem+json');
  t.is((reply.json() as { status: number }).status, 404);
});

test('HEAD answers like GET without a body', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  await putBirthday(app, 'Alice', '1990-03-06');
  const reply = await send(app, 'HEAD', '/hello/Alice');
  t.is(reply.status, 200);
  t.is(reply.text, '');
  t.is(
    reply.headers['content-length'],
    String(Buffer.byteLength('{"message":"Hello, Alice! Your birthday is in 5 day(s)"}')),
  );
});
