import test from 'ava';
import { loadHelm, namespace } from './helpers/helm.js';
import { ofKind, only, selects } from './helpers/manifests.js';

const helm = await loadHelm();
const manifests = await helm.render({
  set: { 'serviceMonitor.enabled': true },
  setString: { 'serviceMonitor.labels.release': 'kube-prometheus' },
});
const monitor = only(manifests, 'ServiceMonitor');

test('the ServiceMonitor scrapes /metrics on the management port of its own Service', (t) => {
  t.is(monitor.apiVersion, 'monitoring.coreos.com/v1');
  t.like(monitor.spec.endpoints, [
    { port: 'management', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
  ]);
  t.is(monitor.spec.endpoints.length, 1);
  t.deepEqual(monitor.spec.namespaceSelector, { matchNames: [namespace] });
  t.is(monitor.metadata.labels?.release, 'kube-prometheus');
  const selected = ofKind(manifests, 'Service').filter((s) =>
    selects(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}),
  );
  t.deepEqual(
    selected.map((s) => s.metadata.name),
    [only(manifests, 'Service', '-metrics').metadata.name],
    'only the metrics Service, never the one the load balancer uses',
  );
  const [service] = selected;
  t.is(service?.spec.clusterIP, 'None');
  t.deepEqual(
    service?.spec.ports.map((p: { name: string; targetPort: string }) => [p.name, p.targetPort]),
    [['management', 'management']],
  );
});

test('no metrics Service without the ServiceMonitor', async (t) => {
  t.is(ofKind(await helm.render(), 'Service').length, 1);
});

test("the scraped series' job is the release's full name, whichever Service carries the port", (t) => {
  const deployment = only(manifests, 'Deployment');
  t.deepEqual(monitor.spec.endpoints[0].relabelings, [
    { action: 'replace', targetLabel: 'job', replacement: deployment.metadata.name },
  ]);
});
