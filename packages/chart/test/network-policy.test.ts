import test from 'ava';
import { loadHelm } from './helpers/helm.js';
import { only, selects } from './helpers/manifests.js';

const helm = await loadHelm();

test('ingress: the HTTP port from anywhere, the management port only from the monitoring namespace', async (t) => {
  const policy = only(await helm.render({ set: { 'networkPolicy.enabled': true } }), 'NetworkPolicy');
  t.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
  t.deepEqual(policy.spec.ingress, [
    { ports: [{ port: 'http', protocol: 'TCP' }] },
    {
      ports: [{ port: 'management', protocol: 'TCP' }],
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
    },
  ]);
});

test('without a monitoring namespace nothing but the kubelet reaches the management port', async (t) => {
  const policy = only(
    await helm.render({ set: { 'networkPolicy.enabled': true, 'networkPolicy.monitoringNamespace': '' } }),
    'NetworkPolicy',
  );
  t.deepEqual(policy.spec.ingress, [{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
});

test('egress is allowed only to DNS and PostgreSQL on the configured port', async (t) => {
  const policy = only(
    await helm.render({ set: { 'networkPolicy.enabled': true, 'database.port': 6432 } }),
    'NetworkPolicy',
  );
  t.deepEqual(policy.spec.egress, [
    {
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
    { ports: [{ port: 6432, protocol: 'TCP' }] },
  ]);
});

test('database CIDRs narrow the PostgreSQL rule', async (t) => {
  const policy = only(
    await helm.render({
      set: { 'networkPolicy.enabled': true, 'networkPolicy.databaseCidrs': '{10.0.0.0/16,10.1.0.0/16}' },
    }),
    'NetworkPolicy',
  );
  t.deepEqual(policy.spec.egress[1].to, [
    { ipBlock: { cidr: '10.0.0.0/16' } },
    { ipBlock: { cidr: '10.1.0.0/16' } },
  ]);
});

test('with store=memory there is no PostgreSQL egress', async (t) => {
  const policy = only(
    await helm.render({ set: { 'networkPolicy.enabled': true, store: 'memory', replicaCount: 1 } }),
    'NetworkPolicy',
  );
  t.is(policy.spec.egress.length, 1);
});

test('restricted ingress sources still let the helm test Pod in', async (t) => {
  const manifests = await helm.render({
    set: {
      'networkPolicy.enabled': true,
      'networkPolicy.ingressFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name': 'ingress',
    },
  });
  const [rule] = only(manifests, 'NetworkPolicy').spec.ingress;
  t.deepEqual(rule.from[0], {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } },
  });
  const testPod = only(manifests, 'Pod');
  t.true(selects(rule.from[1].podSelector.matchLabels, testPod.metadata.labels ?? {}));
});

test('the policy selects the server pods', async (t) => {
  const manifests = await helm.render({ set: { 'networkPolicy.enabled': true } });
  const podLabels = only(manifests, 'Deployment').spec.template.metadata.labels;
  t.true(selects(only(manifests, 'NetworkPolicy').spec.podSelector.matchLabels, podLabels));
});
