import test from 'ava';
import { createMemoryRepository } from '../src/store/memory.js';
import type { UserRepository } from '../src/store/repository.js';
import { StoreUnavailableError } from '../src/store/repository.js';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

function withPing(ping: () => Promise<void>): UserRepository {
  return { ...createMemoryRepository(), ping };
}

test('/livez and /readyz answer 200 when the store answers', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const live = await send(app, 'GET', '/livez');
  t.is(live.status, 200);
  t.deepEqual(live.json(), { status: 'ok' });
  const ready = await send(app, 'GET', '/readyz');
  t.is(ready.status, 200);
  t.deepEqual(ready.json(), { status: 'ready' });
});

test('/readyz is 503 when the ping fails, /livez stays 200', async (t) => {
  const app = await startTestApp({
    repository: withPing(async () => {
      throw new StoreUnavailableError('connection refused');
    }),
  });
  t.teardown(app.close);
  assertProblem(t, await send(app, 'GET', '/readyz'), 503);
  t.is((await send(app, 'GET', '/livez')).status, 200);
});

test('/readyz is 503 when the ping throws synchronously', async (t) => {
  const app = await startTestApp({
    repository: withPing(() => {
      throw new Error('boom');
    }),
  });
  t.teardown(app.close);
  assertProblem(t, await send(app, 'GET', '/readyz'), 503);
});

test('/readyz does not hang on a ping that never answers', async (t) => {
  const app = await startTestApp({
    repository: withPing(() => new Promise<void>(() => {})),
    readinessPingTimeoutMs: 200,
  });
  t.teardown(app.close);
  const started = Date.now();
  assertProblem(t, await send(app, 'GET', '/readyz'), 503);
  t.true(Date.now() - started < 2000);
});

test('/readyz is 503 while draining, and requests are still served, closing their connection', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  app.drainState.draining = true;
  assertProblem(t, await send(app, 'GET', '/readyz'), 503);
  const live = await send(app, 'GET', '/livez');
  t.is(live.status, 200);
  t.is(live.headers.connection, 'close');
});
