import test from 'ava';
import { request } from 'undici';
import { startOtlpReceiver } from './helpers/otlp-receiver.js';
import { startListeningService } from './helpers/service-process.js';

// Off (no OTLP endpoint) must cost nothing: not one OpenTelemetry module is loaded, and so none runs per
// request. The same recorder counts them with tracing on, so it is seen to count.
const RECORDER = ['--import', './test/helpers/record-opentelemetry-loads.mjs'];

async function modulesLoaded(
  env: Record<string, string>,
): Promise<{ count: number; logs: Record<string, unknown>[] }> {
  const { service, port } = await startListeningService(env, RECORDER);
  try {
    const response = await request(`http://127.0.0.1:${port}/hello/Alice`);
    await response.body.dump();
    service.child.kill('SIGTERM');
    await service.exited;
    const count = /@opentelemetry modules loaded: (\d+)/.exec(service.stderr())?.[1];
    if (count === undefined) throw new Error(`no count on stderr: ${service.stderr()}`);
    return { count: Number(count), logs: service.logs };
  } finally {
    service.kill();
  }
}

test('without OTEL_EXPORTER_OTLP_ENDPOINT no OpenTelemetry module is loaded and log lines carry no trace ids', async (t) => {
  const off = await modulesLoaded({});
  t.is(off.count, 0);
  const line = off.logs.find((entry) => entry.msg === 'request');
  t.truthy(line);
  t.false('trace_id' in (line ?? {}));
  t.false(off.logs.some((entry) => entry.msg === 'tracing on: exporting spans by OTLP'));
});

test('the recorder sees them when tracing is on', async (t) => {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  const on = await modulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  t.true(on.count > 10, `${on.count} modules`);
});

test('OTEL_SDK_DISABLED=true keeps it off even with an endpoint', async (t) => {
  const disabled = await modulesLoaded({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    OTEL_SDK_DISABLED: 'true',
  });
  t.is(disabled.count, 0);
});
