import {
  createTestDatabase,
  type PostgresServer,
  startPostgres,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import { request } from 'undici';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.js';
import { startFreezableProxy } from './helpers/postgres-proxy.js';
import { startListeningService } from './helpers/service-process.js';

// The real service with the real OpenTelemetry SDK and exporter (OTLP/HTTP protobuf, the default), its spans
// received by an in-process OTLP receiver, the queries run on a real PostgreSQL.
let postgres: PostgresServer | undefined;
let receiver: OtlpReceiver | undefined;

test.before(async () => {
  [postgres, receiver] = await Promise.all([startPostgres(), startOtlpReceiver()]);
});
test.after.always(async () => {
  await receiver?.close();
  await postgres?.destroy();
});

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

async function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<number> {
  const response = await request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  await response.body.dump();
  return response.statusCode;
}

function serverSpan(spans: readonly ReceivedSpan[], method: string, path: string): ReceivedSpan | undefined {
  return spans.find(
    (span) =>
      span.kind === 'SERVER' &&
      span.attributes['http.request.method'] === method &&
      span.attributes['url.path'] === path,
  );
}

test('requests and their queries arrive as spans: names, attributes, parent links, flushed at shutdown', async (t) => {
  if (!postgres || !receiver) throw new Error('no PostgreSQL or OTLP receiver (see the before hook)');
  const database = await createTestDatabase(postgres.url);
  t.teardown(() => database.drop());
  const { service, port, managementPort } = await startListeningService({
    STORE: 'postgres',
    DATABASE_URL: database.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  });
  t.teardown(() => service.kill());
  const api = `http://127.0.0.1:${port}`;

  // A caller that is itself traced: its W3C traceparent makes the server span its child.
  t.is(
    await send(
      `${api}/hello/Alice`,
      'PUT',
      {
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
        'user-agent': 'trace-test',
      },
      '{"dateOfBirth":"1990-05-17"}',
    ),
    204,
  );
  t.is(await send(`${api}/hello/Alice`, 'GET'), 200);
  t.is(await send(`${api}/hello/Nobody`, 'GET'), 404);
  t.is(await send(`${api}/no/such/path?x=1`, 'GET'), 404);
  // Not traced: the load balancer's health check, and the management listener.
  t.is(await send(`${api}/readyz`, 'GET'), 200);
  t.is(await send(`http://127.0.0.1:${managementPort}/metrics`, 'GET'), 200);
  t.is(await send(`http://127.0.0.1:${managementPort}/readyz`, 'GET'), 200);

  // Spans are batched (sent every 5 s): a graceful shutdown must send what is left before the exit.
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  // The default service.name; the other test runs its service under a name of its own.
  const spans = receiver.spans.filter((span) => span.resource['service.name'] === 'high-available-server');
  t.true(
    receiver.paths.every((path) => path === '/v1/traces'),
    receiver.paths.join(', '),
  );

  const put = serverSpan(spans, 'PUT', '/hello/Alice');
  if (put === undefined) return t.fail(`no PUT server span in ${JSON.stringify(spans)}`);
  t.is(put.name, 'PUT /hello/:username');
  t.is(put.traceId, CALLER_TRACE_ID, 'the caller trace continues');
  t.is(put.parentSpanId, CALLER_SPAN_ID, "the caller's span is the parent");
  t.like(put.attributes, {
    'http.request.method': 'PUT',
    'http.route': '/hello/:username',
    'http.response.status_code': 204,
    'url.path': '/hello/Alice',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'server.port': port,
    'network.protocol.version': '1.1',
    'user_agent.original': 'trace-test',
  });
  t.is(put.status.code, 'UNSET');
  t.is(put.scope, '@high-available-server/service');
  t.is(put.contentType, 'application/x-protobuf');

  const insert = spans.find((span) => span.parentSpanId === put.spanId);
  if (insert === undefined) return t.fail('no query span under the PUT');
  t.is(insert.name, 'INSERT users');
  t.is(insert.kind, 'CLIENT');
  t.is(insert.traceId, put.traceId);
  t.like(insert.attributes, {
    'db.system.name': 'postgresql',
    'db.operation.name': 'INSERT',
    'db.collection.name': 'users',
    'db.query.summary': 'INSERT users',
    'db.namespace': database.name,
    'server.address': '127.0.0.1',
    'server.port': postgres.port,
  });
  t.regex(
    String(insert.attributes['db.query.text']),
    /^INSERT INTO users \(username, date_of_birth\) VALUES \(\$1, \$2::date\)/,
  );
  t.false(String(insert.attributes['db.query.text']).includes('1990-05-17'), 'the values are never recorded');
  t.true(insert.durationMs <= put.durationMs, 'the query happens within the request');

  // No traceparent: a new trace, rooted at the server span.
  const get = serverSpan(spans, 'GET', '/hello/Alice');
  if (get === undefined) return t.fail('no GET server span');
  t.is(get.name, 'GET /hello/:username');
  t.is(get.parentSpanId, undefined);
  t.not(get.traceId, CALLER_TRACE_ID);
  t.is(get.attributes['http.response.status_code'], 200);
  const select = spans.find((span) => span.parentSpanId === get.spanId);
  t.like(select, { name: 'SELECT users', kind: 'CLIENT', traceId: get.traceId });
  t.like(select?.attributes, { 'db.operation.name': 'SELECT', 'db.collection.name': 'users' });

  // 4xx is the client's: status left unset. An unrouted path has no route and is named by its method.
  t.like(serverSpan(spans, 'GET', '/hello/Nobody'), {
    name: 'GET /hello/:username',
    status: { code: 'UNSET', message: '' },
  });
  const unrouted = serverSpan(spans, 'GET', '/no/such/path');
  t.is(unrouted?.name, 'GET');
  t.is(unrouted?.attributes['http.route'], undefined);
  t.is(unrouted?.attributes['url.query'], 'x=1');

  // Nothing else: no span for probes, scrapes or the pings they make.
  t.is(spans.filter((span) => span.kind === 'SERVER').length, 4, spans.map((span) => span.name).join(', '));
  t.is(
    spans.filter((span) => span.kind === 'CLIENT').length,
    3,
    'INSERT, SELECT, SELECT (the 404 looked too)',
  );
  t.true(
    spans.every(
      (span) =>
        span.parentSpanId === undefined ||
        spans.some((s) => s.spanId === span.parentSpanId) ||
        span.parentSpanId === CALLER_SPAN_ID,
    ),
  );

  // The request's log line carries its trace and span ids: from a log line to its trace.
  const logged = service.logs.find((line) => line.msg === 'request' && line.method === 'PUT');
  t.like(logged, { trace_id: put.traceId, span_id: put.spanId, trace_flags: '01' });
  t.like(
    service.logs.find((line) => line.msg === 'tracing on: exporting spans by OTLP'),
    { tracesUrl: `${receiver.endpoint}/v1/traces`, protocol: 'http/protobuf' },
  );
});

test('a database outage: the 503 request span and its query span are errors, with the reason', async (t) => {
  if (!postgres || !receiver) throw new Error('no PostgreSQL or OTLP receiver (see the before hook)');
  const database = await createTestDatabase(postgres.url);
  t.teardown(() => database.drop());
  const proxy = await startFreezableProxy(postgres.port);
  t.teardown(() => proxy.close());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const { service, port } = await startListeningService({
    STORE: 'postgres',
    DATABASE_URL: viaProxy.toString(),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_SERVICE_NAME: 'hello-outage',
  });
  t.teardown(() => service.kill());
  proxy.freeze();
  t.is(await send(`http://127.0.0.1:${port}/hello/Bob`, 'GET'), 503);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);

  const spans = receiver.spans.filter((span) => span.resource['service.name'] === 'hello-outage');
  const get = serverSpan(spans, 'GET', '/hello/Bob');
  if (get === undefined) return t.fail(`no server span in ${JSON.stringify(spans)}`);
  t.like(get, { name: 'GET /hello/:username', status: { code: 'ERROR' } });
  t.like(get.attributes, { 'http.response.status_code': 503, 'error.type': '503' });
  const query = spans.find((span) => span.parentSpanId === get.spanId);
  t.like(query, { name: 'SELECT users', kind: 'CLIENT', status: { code: 'ERROR' } });
  t.is(query?.attributes['error.type'], 'StoreUnavailableError');
  t.regex(query?.status.message ?? '', /^database unavailable: /);
});
