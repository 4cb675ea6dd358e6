import test from 'ava';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

const validJson = '{"dateOfBirth":"1990-05-17"}';

for (const [label, headers] of [
  ['no Content-Type', {}],
  ['text/plain', { 'content-type': 'text/plain' }],
  ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['text/json', { 'content-type': 'text/json' }],
  ['application/jsonp', { 'content-type': 'application/jsonp' }],
] as [string, Record<string, string>][]) {
  test(`PUT with ${label} is 415 even when the body is valid JSON`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app, 'PUT', '/hello/Alice', { headers, body: validJson });
    assertProblem(t, reply, 415);
    t.is(await app.repository.findDateOfBirth('Alice'), undefined);
  });
}

test('the media type is checked before the body is parsed: malformed text is 415, not 400', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'text/plain' },
    body: '{{{',
  });
  assertProblem(t, reply, 415);
});

test('the media type is checked before the size: an oversized text body is 415', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'text/plain' },
    body: 'x'.repeat(20_000),
  });
  assertProblem(t, reply, 415);
});

test('Content-Type matching is case-insensitive and allows parameters', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const reply = await send(app, 'PUT', '/hello/Alice', {
    headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
    body: validJson,
  });
  t.is(reply.status, 204, reply.text);
});
