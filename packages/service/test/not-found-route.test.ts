import test from 'ava';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

for (const [method, path] of [
  ['GET', '/'],
  ['GET', '/hello'],
  ['GET', '/hello/'],
  ['GET', '/hello/Alice/extra'],
  ['GET', '/HELLO/Alice'],
  ['GET', '/livez/'],
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
