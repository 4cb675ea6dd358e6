import test from 'ava';
import { request } from 'undici';
import { createMemoryRepository } from '../src/store/memory.js';
import type { UserRepository } from '../src/store/repository.js';
import { send, startTestApp, type TestApp } from './helpers/http-app.js';
import { openRaw } from './helpers/raw-http.js';

async function inFlight(app: TestApp): Promise<number> {
  const text = (await send(app.management, 'GET', '/metrics')).text;
  const value = /^http_requests_in_flight (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('no http_requests_in_flight in /metrics');
  return Number(value);
}

/** The memory store, but every save waits until `release()`. */
function heldSaves(): UserRepository & { release(): void } {
  const memory = createMemoryRepository();
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    ...memory,
    save: async (user) => {
      await gate;
      await memory.save(user);
    },
    release: () => open(),
  };
}

test('http_requests_in_flight counts the API requests being handled, body still arriving included, and returns to 0', async (t) => {
  const repository = heldSaves();
  const app = await startTestApp({ repository });
  t.teardown(app.close);
  t.is(await inFlight(app), 0, 'idle (the scrape itself, on the management listener, is not counted)');

  const puts = ['Alice', 'Bob', 'Carol'].map((name) =>
    request(`${app.url}/hello/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"dateOfBirth":"1990-05-17"}',
    }),
  );
  const slowBody = await openRaw(Number(new URL(app.url).port));
  t.teardown(() => slowBody.destroy());
  slowBody.write(
    'PUT /hello/Dave HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{',
  );
  let seen = 0;
  for (let i = 0; i < 100 && seen < 4; i++) {
    seen = await inFlight(app);
    if (seen < 4) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(seen, 4, 'three PUTs waiting on the store and one still sending its body');

  repository.release();
  slowBody.write('"dateOfBirth":"1990-05-17"}');
  for (const reply of await Promise.all(puts)) {
    t.is(reply.statusCode, 204);
    await reply.body.dump();
  }
  const [answer] = await slowBody.responses(1);
  t.is(answer?.status, 204);
  t.is(await inFlight(app), 0);
});

test('a request that fails or is refused leaves the count too', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  await send(app, 'GET', '/hello/Nobody');
  await send(app, 'GET', '/hello/N0body');
  await send(app, 'DELETE', '/hello/Nobody');
  await send(app, 'PUT', '/hello/Nobody', { body: 'not json' });
  t.is(await inFlight(app), 0);
});
