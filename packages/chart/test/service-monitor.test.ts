import test from 'ava';
import { loadHelm, namespace } from './helpers/helm.js';
import { only, selects } from './helpers/manifests.js';

const helm = await loadHelm();

test('the ServiceMonitor scrapes /metrics on the Service port named http', async (t) => {
  const manifests = await helm.render({
    set: { 'serviceMonitor.enabled': true },
    setString: { 'serviceMonitor.labels.release': 'kube-prometheus' },
  });
  const monitor = only(manifests, 'ServiceMonitor');
  const service = only(manifests, 'Service');
  t.is(monitor.apiVersion, 'monitoring.coreos.com/v1');
  t.deepEqual(monitor.spec.endpoints, [
    { port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
  ]);
  t.true(service.spec.ports.some((p: { name: string }) => p.name === 'http'));
  t.true(selects(monitor.spec.selector.matchLabels, service.metadata.labels ?? {}));
  t.deepEqual(monitor.spec.namespaceSelector, { matchNames: [namespace] });
  t.is(monitor.metadata.labels?.release, 'kube-prometheus');
});
