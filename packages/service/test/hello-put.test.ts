import test from 'ava';
import { greetingFor, putBirthday, send, startTestApp } from './helpers/http-app.js';

test('PUT saves the user and answers 204 with no body', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await putBirthday(app, 'Alice', '1990-05-17');
  t.is(reply.status, 204);
  t.is(reply.text, '');
  t.is(await app.repository.findDateOfBirth('Alice'), '1990-05-17');
});

test('PUT again replaces the date of birth', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  t.is((await putBirthday(app, 'Alice', '1990-05-17')).status, 204);
  t.is((await putBirthday(app, 'Alice', '1990-03-02')).status, 204);
  t.is(await greetingFor(app, 'Alice'), 'Hello, Alice! Your birthday is in 1 day(s)');
});

test('unknown fields in the body are ignored', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ dateOfBirth: '1990-05-17', nickname: 'Al', extra: { nested: true } }),
  });
  t.is(reply.status, 204);
  t.is(await app.repository.findDateOfBirth('Alice'), '1990-05-17');
});

test('a +json media type is accepted as JSON', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'application/vnd.birthday+json' },
    body: '{"dateOfBirth":"1990-05-17"}',
  });
  t.is(reply.status, 204);
});

test('usernames are case-sensitive: alice and Alice are different users', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  await putBirthday(app, 'alice', '1990-03-02');
  await putBirthday(app, 'Alice', '1990-03-03');
  t.is(await greetingFor(app, 'alice'), 'Hello, alice! Your birthday is in 1 day(s)');
  t.is(await greetingFor(app, 'Alice'), 'Hello, Alice! Your birthday is in 2 day(s)');
});

for (const [name, body] of [
  ['missing dateOfBirth', '{}'],
  ['numeric dateOfBirth', '{"dateOfBirth":19900517}'],
  ['null dateOfBirth', '{"dateOfBirth":null}'],
  ['a JSON array', '[{"dateOfBirth":"1990-05-17"}]'],
  ['a JSON string', '"1990-05-17"'],
  ['a JSON number', '42'],
  ['malformed JSON', '{"dateOfBirth":'],
  ['an empty body', ''],
  ['a __proto__ key', '{"__proto__":{"x":1},"dateOfBirth":"1990-05-17"}'],
] as const) {
  test(`PUT with ${name} is a 400 problem and saves nothing`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app, 'PUT', '/hello/Alice', {
      headers: { 'content-type': 'application/json' },
      body,
    });
    t.is(reply.status, 400, reply.text);
    t.is(reply.headers['content-type'], 'application/problem+json');
    t.is(await app.repository.findDateOfBirth('Alice'), undefined);
  });
}
