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

for (const path of ['/livez', '/readyz', '/metrics', '/openapi.json']) {
  test(`PUT ${path} is 405 with Allow: GET, HEAD`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    const reply = await send(app, 'PUT', path, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assertProblem(t, reply, 405);
    t.is(reply.headers.allow, 'GET, HEAD');
  });
}
