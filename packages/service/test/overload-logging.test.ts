import {
  createTestDatabase,
  type PostgresServer,
  startPostgres,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import { request } from 'undici';
import { type FreezableProxy, startFreezableProxy } from './helpers/postgres-proxy.js';
import { startListeningService } from './helpers/service-process.js';

// Every overload 503 used to be logged at error level with a stack (~1.3 KB each), exactly when the process
// had no CPU to spare. They are counted (http_requests_total{status="503"}) and logged as state changes.
let postgres: PostgresServer | undefined;
let proxy: FreezableProxy | undefined;

test.before(async () => {
  postgres = await startPostgres();
  proxy = await startFreezableProxy(postgres.port);
});
test.after.always(async () => {
  await proxy?.close();
  await postgres?.destroy();
});

async function status(url: string): Promise<number> {
  const response = await request(url);
  await response.body.dump();
  return response.statusCode;
}

test('refusals past MAX_IN_FLIGHT and a store outage: two lines each (start, end), none per request, nothing at error level', async (t) => {
  if (!postgres || !proxy) throw new Error('no PostgreSQL');
  const database = await createTestDatabase(postgres.url);
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const { service, port, managementPort } = await startListeningService({
    STORE: 'postgres',
    DATABASE_URL: viaProxy.toString(),
    MAX_IN_FLIGHT: '4',
  });
  t.teardown(() => service.kill());
  const hello = `http://127.0.0.1:${port}/hello/Alice`;
  const put = await request(hello, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"dateOfBirth":"1990-05-17"}',
  });
  t.is(put.statusCode, 204);
  await put.body.dump();

  // The database stops answering: 4 requests hang until the query timeout and hold every slot.
  proxy.freeze();
  const held = Array.from({ length: 4 }, () => status(hello));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const refused = await Promise.all(Array.from({ length: 40 }, () => status(hello)));
  t.deepEqual(refused, Array(40).fill(503));
  t.deepEqual(await Promise.all(held), Array(4).fill(503), 'the held ones fail fast with the store');
  proxy.thaw();

  const deadline = Date.now() + 10_000;
  while ((await status(hello)) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await service.waitForLog((line) => line.msg === 'in-flight limit: no request refused for a second', 5000);
  await service.waitForLog((line) => line.msg === 'store available again', 5000);
  const metrics = await (await fetch(`http://127.0.0.1:${managementPort}/metrics`)).text();
  // 44 refused, plus any the recovery loop above saw before the pool reconnected.
  const refusedCount = Number(
    /^http_requests_total\{method="GET",route="\/hello\/:username",status="503"\} (\d+)$/m.exec(metrics)?.[1],
  );
  t.true(refusedCount >= 44, `${refusedCount} counted`);

  const notRequests = service.logs.filter((line) => line.msg !== 'request');
  t.deepEqual(
    notRequests.filter((line) => line.level === 'error' || line.level === 'fatal'),
    [],
    'nothing at error level',
  );
  const count = (msg: string) => notRequests.filter((line) => line.msg === msg).length;
  t.is(count('in-flight limit reached: answering 503 to new requests'), 1);
  t.is(count('in-flight limit: no request refused for a second'), 1);
  t.is(
    notRequests.find((line) => line.msg === 'in-flight limit: no request refused for a second')?.refused,
    40,
  );
  t.is(count('store unavailable: requests that need it get 503'), 1);
  t.is(count('store available again'), 1);
  t.false(JSON.stringify(service.logs).includes('"stack"'), 'no stack traces');
});
