import test from 'ava';
import { putBirthday, send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

for (const [method, path] of [
  ['GET', '/'],
  ['GET', '/hello'],
  ['GET', '/hello/'],
  ['GET', '/hello/Alice/extra'],
  ['GET', '/HELLO/Alice'],
  ['GET', '/readyz/'],
  ['POST', '/nowhere'],
  ['DELETE', '/nowhere'],
  ['GET', '/%E0%A4'],
] as const) {
  test(`${method} ${path} is a 404 problem`, async (t) => {
    const app = await startTestApp();
    t.teardown(app.close);
    assertProblem(t, await send(app, method, path), 404);
  });
}

test('paths match exactly: another case or a trailing slash is not the route', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  t.is((await putBirthday(app, 'Alice', '1990-05-17')).status, 204);
  t.is((await send(app, 'GET', '/hello/Alice')).status, 200);
  for (const path of ['/HELLO/Alice', '/Hello/Alice', '/hello/Alice/', '/readyz/', '/READYZ'])
    assertProblem(t, await send(app, 'GET', path), 404);
});
