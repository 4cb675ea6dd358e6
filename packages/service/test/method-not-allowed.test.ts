import test from 'ava';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

for (const method of ['DELETE', 'POST', 'PATCH', 'TRACE', 'PROPFIND', 'OPTIONS']) {
  test(`${method} /hello/:username is 405 with Allow: GET, HEAD, PUT`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app, method, '/hello/Alice');
    assertProblem(t, reply, 405);
    t.is(reply.headers.allow, 'GET, HEAD, PUT');
  });
}

test('405 comes before username validation (the path exists, the method does not)', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  t.is((await send(app, 'DELETE', '/hello/Al1ce')).status, 405);
});

for (const [listener, path] of [
  ['api', '/readyz'],
  ['api', '/openapi.json'],
  ['management', '/livez'],
  ['management', '/readyz'],
  ['management', '/metrics'],
] as const) {
  test(`PUT ${path} (${listener}) is 405 with Allow: GET, HEAD`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(listener === 'api' ? app : app.management, 'PUT', path, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assertProblem(t, reply, 405);
    t.is(reply.headers.allow, 'GET, HEAD');
  });
}
