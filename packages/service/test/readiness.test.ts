import test from 'ava';
import { createMemoryRepository } from '../src/store/memory.js';
import type { UserRepository } from '../src/store/repository.js';
import { StoreUnavailableError } from '../src/store/repository.js';
import { send, startTestApp } from './helpers/http-app.js';

function withPing(ping: () => Promise<void>): UserRepository {
  return { ...createMemoryRepository(), ping };
}

const refused = async () => {
  throw new StoreUnavailableError('connection refused');
};

test('/readyz (on both listeners) and /livez (management) answer 200 with the store up', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const live = await send(app.management, 'GET', '/livez');
  t.is(live.status, 200);
  t.deepEqual(live.json(), { status: 'ok' });
  for (const listener of [app, app.management]) {
    const ready = await send(listener, 'GET', '/readyz');
    t.is(ready.status, 200);
    t.is(ready.headers['content-type'], 'application/json; charset=utf-8');
    t.deepEqual(ready.json(), { status: 'ready', store: 'up' });
  }
});

test('a store that is down leaves /readyz 200 (the process can serve) and says so in the body', async (t) => {
  const app = await startTestApp({ repository: withPing(refused) });
  t.teardown(app.close);
  for (const listener of [app, app.management]) {
    const ready = await send(listener, 'GET', '/readyz');
    t.is(ready.status, 200);
    t.deepEqual(ready.json(), { status: 'ready', store: 'down' });
  }
  t.is((await send(app.management, 'GET', '/livez')).status, 200);
});

test('a ping that throws synchronously counts as down, not as a bug', async (t) => {
  const app = await startTestApp({
    repository: withPing(() => {
      throw new Error('boom');
    }),
  });
  t.teardown(app.close);
  const ready = await send(app, 'GET', '/readyz');
  t.is(ready.status, 200);
  t.deepEqual(ready.json(), { status: 'ready', store: 'down' });
});

test('/readyz does not hang on a ping that never answers', async (t) => {
  const app = await startTestApp({
    repository: withPing(() => new Promise<void>(() => {})),
    storePingTimeoutMs: 200,
  });
  t.teardown(app.close);
  const started = Date.now();
  const ready = await send(app, 'GET', '/readyz');
  t.true(Date.now() - started < 2000);
  t.deepEqual(ready.json(), { status: 'ready', store: 'down' });
});

test('/readyz is 503 while draining, and requests are still served, closing their connection', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  app.drainState.draining = true;
  for (const listener of [app, app.management]) {
    const ready = await send(listener, 'GET', '/readyz');
    t.is(ready.status, 503);
    t.deepEqual(ready.json(), { status: 'draining', store: 'up' });
  }
  const live = await send(app.management, 'GET', '/livez');
  t.is(live.status, 200);
  t.is(live.headers.connection, 'close');
  const openApi = await send(app, 'GET', '/openapi.json');
  t.is(openApi.status, 200);
  t.is(openApi.headers.connection, 'close');
});

test('store_up and one log line per change: down when a request or a ping finds it down, up when a ping answers', async (t) => {
  let down = false;
  const memory = createMemoryRepository();
  const whileDown =
    <T>(call: () => Promise<T>) =>
    async () => {
      if (down) throw new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432');
      return call();
    };
  const repository: UserRepository = {
    ...memory,
    save: async (user) => whileDown(() => memory.save(user))(),
    findDateOfBirth: async (name) => whileDown(() => memory.findDateOfBirth(name))(),
    ping: whileDown(() => memory.ping()),
  };
  const app = await startTestApp({ repository });
  t.teardown(app.close);
  const storeUp = async () =>
    /^store_up (\d)$/m.exec((await send(app.management, 'GET', '/metrics')).text)?.[1];
  const changes = () =>
    app.logs.filter((line) => line.msg !== 'request' && 'store' in line).map((line) => line.store);

  t.is(await storeUp(), '1');
  down = true;
  // A request finds it down: 503, and the state changes at once (no probe needed).
  t.is((await send(app, 'GET', '/hello/Alice')).status, 503);
  t.is(app.storeStatus.state, 'down');
  t.is((await send(app, 'GET', '/hello/Alice')).status, 503);
  t.is(await storeUp(), '0');
  t.deepEqual(changes(), ['down'], 'one line for the change, none per failed request');
  const downLine = app.logs.find((line) => line.store === 'down');
  t.is(downLine?.level, 40);
  t.regex(String(downLine?.reason), /ECONNREFUSED/);

  down = false;
  // Back: found by the re-check ping (every second while down), without any probe or request.
  const deadline = Date.now() + 3000;
  while (app.storeStatus.state === 'down' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  t.is(app.storeStatus.state, 'up');
  t.is(await storeUp(), '1');
  t.deepEqual(changes(), ['down', 'up']);
  t.false(
    app.logs.some((line) => line.level === 50),
    'nothing at error level',
  );
});
