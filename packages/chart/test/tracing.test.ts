import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { fullname, loadHelm, namespace } from './helpers/helm.js';
import { only, serverEnv } from './helpers/manifests.js';

const helm = await loadHelm();
const endpoint = 'http://otel-collector.observability:4318';

test('off by default: no OTEL_* variable reaches the pods, no egress for a collector', async (t) => {
  const manifests = await helm.render({ set: { 'networkPolicy.enabled': true } });
  const names = [...serverEnv(manifests).keys()];
  t.deepEqual(
    names.filter((name) => name.startsWith('OTEL_') || name === 'POD_NAME'),
    [],
  );
  t.false(JSON.stringify(only(manifests, 'NetworkPolicy').spec.egress).includes('4318'));
});

test('tracing.otlpEndpoint turns it on: endpoint, protocol, parent-based sampling, service name and pod attributes', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'chart-tracing-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  // A values file, as a deployer writes one: --set cannot give a fractional number.
  const values = path.join(directory, 'tracing.yaml');
  await writeFile(
    values,
    `tracing:\n  otlpEndpoint: ${endpoint}\n  protocol: http/json\n  samplingRatio: 0.25\n`,
  );
  const env = serverEnv(await helm.render({ externalValuesFiles: [values], set: { 'image.tag': '1.4.2' } }));
  const value = (name: string) => env.get(name)?.value;
  t.is(value('OTEL_EXPORTER_OTLP_ENDPOINT'), endpoint);
  t.is(value('OTEL_EXPORTER_OTLP_PROTOCOL'), 'http/json');
  t.is(value('OTEL_TRACES_SAMPLER'), 'parentbased_traceidratio');
  t.is(value('OTEL_TRACES_SAMPLER_ARG'), '0.25');
  t.is(value('OTEL_SERVICE_NAME'), fullname);
  t.deepEqual(env.get('POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  t.is(
    value('OTEL_RESOURCE_ATTRIBUTES'),
    `k8s.namespace.name=${namespace},k8s.deployment.name=${fullname},k8s.pod.name=$(POD_NAME),service.version=1.4.2`,
  );
  // Kubernetes expands $(POD_NAME) only from variables defined before it in the list.
  const order = serverEnvOrder(await helm.render({ set: { 'tracing.otlpEndpoint': endpoint } }));
  t.true(order.indexOf('POD_NAME') < order.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
});

function serverEnvOrder(manifests: Awaited<ReturnType<typeof helm.render>>): string[] {
  const deployment = only(manifests, 'Deployment');
  return deployment.spec.template.spec.containers[0].env.map((variable: { name: string }) => variable.name);
}

for (const [url, port] of [
  [endpoint, 4318],
  ['https://otlp.example.com', 443],
  ['http://collector/otlp', 80],
] as const) {
  test(`with the NetworkPolicy, the pods may reach the collector's port (${url} → ${port})`, async (t) => {
    const policy = only(
      await helm.render({ set: { 'networkPolicy.enabled': true, 'tracing.otlpEndpoint': url } }),
      'NetworkPolicy',
    );
    t.deepEqual(policy.spec.egress.at(-1), { ports: [{ port, protocol: 'TCP' }] });
  });
}

for (const [what, set, message] of [
  ['an endpoint without a scheme', { 'tracing.otlpEndpoint': 'collector:4318' }, /\/tracing\/otlpEndpoint/],
  ['OTLP over gRPC', { 'tracing.protocol': 'grpc' }, /\/tracing\/protocol/],
  ['a sampling ratio above 1', { 'tracing.samplingRatio': 2 }, /\/tracing\/samplingRatio/],
] as const) {
  test(`the schema rejects ${what}`, async (t) => {
    t.regex(await helm.renderError({ set }), message);
  });
}
