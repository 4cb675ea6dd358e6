import test from 'ava';
import { putBirthday, send, startTestApp } from './helpers/http-app.js';

const expected = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
};

const calls: [string, (app: Awaited<ReturnType<typeof startTestApp>>) => ReturnType<typeof send>][] = [
  ['204 PUT', (app) => putBirthday(app, 'Alice', '1990-05-17')],
  [
    '200 GET',
    async (app) => {
      await putBirthday(app, 'Alice', '1990-05-17');
      return send(app, 'GET', '/hello/Alice');
    },
  ],
  ['400', (app) => send(app, 'GET', '/hello/Al1ce')],
  ['404 route', (app) => send(app, 'GET', '/nope')],
  ['405', (app) => send(app, 'TRACE', '/hello/Alice')],
  [
    '413',
    (app) =>
      send(app, 'PUT', '/hello/Alice', {
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(20_000),
      }),
  ],
  ['415', (app) => send(app, 'PUT', '/hello/Alice', { body: '{}' })],
  ['/readyz', (app) => send(app, 'GET', '/readyz')],
  ['/livez (management)', (app) => send(app.management, 'GET', '/livez')],
  ['/metrics (management)', (app) => send(app.management, 'GET', '/metrics')],
  ['404 (management)', (app) => send(app.management, 'GET', '/hello/Alice')],
  ['/openapi.json', (app) => send(app, 'GET', '/openapi.json')],
];

for (const [label, call] of calls) {
  test(`security headers on ${label}`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await call(app);
    for (const [name, value] of Object.entries(expected)) t.is(reply.headers[name], value, name);
  });
}
