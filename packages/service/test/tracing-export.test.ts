import { freePort } from '@high-available-server/testkit/free-port';
import test from 'ava';
import { request } from 'undici';
import { startOtlpReceiver } from './helpers/otlp-receiver.js';
import { startListeningService } from './helpers/service-process.js';

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await request(url, { headers });
  await response.body.dump();
  return response.statusCode;
}

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends OTLP/JSON', async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const { service, port } = await startListeningService({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  t.teardown(() => service.kill());
  t.is(await get(`http://127.0.0.1:${port}/openapi.json`), 200);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  t.like(receiver.spans, [
    {
      name: 'GET /openapi.json',
      kind: 'SERVER',
      contentType: 'application/json',
      attributes: { 'http.route': '/openapi.json' },
    },
  ]);
});

test("parent-based sampling (the default): a caller's unsampled trace is not recorded, its ids still reach the log", async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const { service, port } = await startListeningService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  t.teardown(() => service.kill());
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  t.is(
    await get(`http://127.0.0.1:${port}/hello/Nobody`, { traceparent: `00-${traceId}-b7ad6b7169203331-00` }),
    404,
  );
  t.is(await get(`http://127.0.0.1:${port}/hello/Somebody`), 404);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  t.deepEqual(
    receiver.spans.map((span) => span.attributes['url.path']),
    ['/hello/Somebody'],
  );
  t.like(
    service.logs.find((line) => line.msg === 'request' && line.trace_id === traceId),
    { trace_flags: '00' },
  );
});

test('a collector that is down: requests are served, one warning, one line when export works again', async (t) => {
  const collectorPort = await freePort();
  const { service, port } = await startListeningService({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
    OTEL_EXPORTER_OTLP_TIMEOUT: '500',
  });
  t.teardown(() => service.kill());
  const api = `http://127.0.0.1:${port}`;
  t.is(await get(`${api}/hello/First`), 404);
  const failing = await service.waitForLog(
    (line) => line.msg?.toString().startsWith('trace export failing') === true,
  );
  t.like(failing, { level: 'warn', lostSpans: 1 });

  const receiver = await startOtlpReceiver(collectorPort);
  t.teardown(() => receiver.close());
  t.is(await get(`${api}/hello/Second`), 404);
  t.like(await service.waitForLog((line) => line.msg === 'trace export working again'), {
    level: 'info',
    lostSpans: 1,
  });
  t.like(receiver.spans, [{ attributes: { 'url.path': '/hello/Second' } }]);
  t.is(service.logs.filter((line) => line.msg?.toString().startsWith('trace export failing')).length, 1);
});

test('at shutdown a collector that is down holds the exit for at most a second', async (t) => {
  const { service, port } = await startListeningService({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
  });
  t.teardown(() => service.kill());
  t.is(await get(`http://127.0.0.1:${port}/hello/Anyone`), 404);
  const signalled = performance.now();
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  const took = performance.now() - signalled;
  t.true(took < 2500, `exit took ${Math.round(took)} ms`);
  t.like(
    service.logs.find((line) => line.msg === 'shutdown: buffered spans not all exported'),
    { level: 'warn', timeoutMs: 1000 },
  );
});
