import test from 'ava';
import type { UserRepository } from '../src/store/repository.js';
import { putBirthday, send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

const json = { 'content-type': 'application/json' };

const cases: [string, number, (app: Awaited<ReturnType<typeof startTestApp>>) => ReturnType<typeof send>][] =
  [
    ['bad username', 400, (app) => send(app, 'GET', '/hello/Al1ce')],
    ['bad percent-encoding', 400, (app) => send(app, 'GET', '/hello/%E0%A4')],
    ['bad date', 400, (app) => putBirthday(app, 'Alice', '2023-02-29')],
    ['future date', 400, (app) => putBirthday(app, 'Alice', '2999-01-01')],
    [
      'malformed JSON',
      400,
      (app) => send(app, 'PUT', '/hello/Alice', { headers: json, body: '{"dateOfBirth"' }),
    ],
    ['missing dateOfBirth', 400, (app) => send(app, 'PUT', '/hello/Alice', { headers: json, body: '{}' })],
    [
      'non-string dateOfBirth',
      400,
      (app) => send(app, 'PUT', '/hello/Alice', { headers: json, body: '{"dateOfBirth":1}' }),
    ],
    ['non-object body', 400, (app) => send(app, 'PUT', '/hello/Alice', { headers: json, body: '[]' })],
    ['unknown user', 404, (app) => send(app, 'GET', '/hello/Nobody')],
    ['unknown route', 404, (app) => send(app, 'GET', '/nope')],
    ['method not allowed', 405, (app) => send(app, 'DELETE', '/hello/Alice')],
    [
      'body too large',
      413,
      (app) => send(app, 'PUT', '/hello/Alice', { headers: json, body: 'x'.repeat(17_000) }),
    ],
    [
      'not JSON',
      415,
      (app) => send(app, 'PUT', '/hello/Alice', { headers: { 'content-type': 'text/plain' }, body: '{}' }),
    ],
  ];

for (const [label, status, call] of cases) {
  test(`${label}: ${status} application/problem+json with type, title, status, detail`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    assertProblem(t, await call(app), status);
  });
}

test('a genuine bug is a 500 problem without the error message or stack', async (t) => {
  const buggy: UserRepository = {
    save: async () => {},
    findDateOfBirth: async () => {
      throw new TypeError('secret internal detail at /srv/app/x.js:1:2');
    },
    ping: async () => {},
    close: async () => {},
  };
  const app = await startTestApp({ repository: buggy });
  t.teardown(app.close);
  const reply = await send(app, 'GET', '/hello/Alice');
  const problem = assertProblem(t, reply, 500);
  t.false(reply.text.includes('secret'));
  t.is(problem.title, 'Internal Server Error');
  t.true(
    app.logs.some((line) => line.level === 50 && line.msg === 'request failed'),
    'the bug is logged',
  );
});
