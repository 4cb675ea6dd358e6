import test from 'ava';
import { Client } from 'undici';
import { createMemoryRepository } from '../src/store/memory.js';
import type { UserRepository } from '../src/store/repository.js';
import { send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

/** A store whose reads wait until `release()` is called, to hold requests in flight. */
function gatedStore(): { repository: UserRepository; release(): void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    repository: {
      ...createMemoryRepository(),
      findDateOfBirth: async () => {
        await gate;
        return '1990-05-17';
      },
    },
    release: () => release(),
  };
}

test('requests beyond MAX_IN_FLIGHT get 503 + Retry-After: 1 and the service recovers', async (t) => {
  const store = gatedStore();
  const app = await startTestApp({ repository: store.repository, maxInFlight: 3 });
  t.teardown(async () => {
    store.release();
    await app.close();
  });
  const held = Array.from({ length: 3 }, () => send(app, 'GET', '/hello/Alice'));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const rejected = await send(app, 'GET', '/hello/Bob');
  assertProblem(t, rejected, 503);
  t.is(rejected.headers['retry-after'], '1');
  // The OpenAPI document is API traffic too, not a probe.
  assertProblem(t, await send(app, 'GET', '/openapi.json'), 503);

  // The load balancer's health check is not counted: a busy pod must not look unready.
  t.is((await send(app, 'GET', '/readyz')).status, 200);
  t.is((await send(app.management, 'GET', '/livez')).status, 200);

  store.release();
  for (const reply of await Promise.all(held)) t.is(reply.status, 200);
  t.is((await send(app, 'GET', '/hello/Bob')).status, 200);
});

test('while the event loop is saturated, /hello gets 503 + Retry-After: 1 and probes still answer', async (t) => {
  let overloaded = true;
  const load = { shouldShed: () => overloaded };
  const app = await startTestApp({ load });
  t.teardown(() => app.close());

  const shed = await send(app, 'GET', '/hello/Alice');
  assertProblem(t, shed, 503);
  t.is(shed.headers['retry-after'], '1');
  t.is(shed.headers['x-content-type-options'], 'nosniff');
  t.is(shed.headers['cache-control'], 'no-store');
  t.regex(
    String(shed.headers['x-request-id']),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  const echoed = await send(app, 'GET', '/hello/Alice', { headers: { 'X-Request-Id': 'shed-trace-1' } });
  assertProblem(t, echoed, 503);
  t.is(echoed.headers['x-request-id'], 'shed-trace-1');
  const metrics = (await send(app.management, 'GET', '/metrics')).text;
  t.regex(metrics, /^http_requests_shed_total 2$/m);
  // Refused in front of Koa: no per-request log line, no request sample for them.
  t.false(app.logs.some((line) => line.msg === 'request' && line.route === '/hello/:username'));
  t.notRegex(metrics, /^http_requests_total\{[^}]*route="\/hello\/:username"/m);
  t.is((await send(app, 'GET', '/readyz')).status, 200);
  t.is((await send(app.management, 'GET', '/livez')).status, 200);

  overloaded = false;
  t.is((await send(app, 'GET', '/hello/Alice')).status, 404);
});

test('a request shed while draining closes its connection, like every response during shutdown', async (t) => {
  const app = await startTestApp({ load: { shouldShed: () => true } });
  t.teardown(() => app.close());
  const kept = await send(app, 'GET', '/hello/Alice');
  assertProblem(t, kept, 503);
  t.not(kept.headers.connection, 'close');

  app.drainState.draining = true;
  const closed = await send(app, 'GET', '/hello/Alice');
  assertProblem(t, closed, 503);
  t.is(closed.headers.connection, 'close');
});

test('a shed PUT closes its connection (its body is refused unread); the client carries on over a new one', async (t) => {
  // Shedding answers before anything reads the body: keeping the connection would make node:http read and
  // discard all of it first, however much the client sends.
  let overloaded = true;
  const app = await startTestApp({ load: { shouldShed: () => overloaded } });
  const client = new Client(app.url, { pipelining: 1 });
  t.teardown(async () => {
    await client.close();
    await app.close();
  });
  const body = JSON.stringify({ dateOfBirth: '1990-05-17', padding: 'x'.repeat(64 * 1024) });
  const shed = await client.request({
    method: 'PUT',
    path: '/hello/Alice',
    headers: { 'content-type': 'application/json' },
    body,
  });
  t.is(shed.statusCode, 503);
  t.is(shed.headers.connection, 'close');
  await shed.body.dump();

  overloaded = false;
  const next = await client.request({
    method: 'PUT',
    path: '/hello/Alice',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dateOfBirth: '1990-05-17' }),
  });
  t.is(next.statusCode, 204);
  t.not(next.headers.connection, 'close');
  await next.body.dump();
  const reads = await client.request({ method: 'GET', path: '/hello/Alice' });
  t.is(reads.statusCode, 200);
  await reads.body.dump();
});

test('a shed GET keeps its connection', async (t) => {
  const app = await startTestApp({ load: { shouldShed: () => true } });
  t.teardown(app.close);
  const shed = await send(app, 'GET', '/hello/Alice');
  assertProblem(t, shed, 503);
  t.not(shed.headers.connection, 'close');
});

test('the health check is never shed, with or without a query string; the management listener never sheds', async (t) => {
  const app = await startTestApp({ load: { shouldShed: () => true } });
  t.teardown(() => app.close());
  for (const path of ['/readyz', '/readyz?verbose=1', '/readyz?'])
    t.is((await send(app, 'GET', path)).status, 200, path);
  for (const path of ['/livez', '/readyz', '/metrics', '/livez?'])
    t.is((await send(app.management, 'GET', path)).status, 200, path);
  assertProblem(t, await send(app, 'GET', '/hello/Alice?x=/readyz'), 503);
  assertProblem(t, await send(app, 'GET', '/openapi.json'), 503);
});
