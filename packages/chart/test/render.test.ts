import test from 'ava';
import { digest, eks, everything, minikube, shippedInputs } from './helpers/fixtures.js';
import { fullname, loadHelm, namespace, releaseName } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';

const helm = await loadHelm();

const recommendedLabels = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
];

const optionalKinds = [
  'HorizontalPodAutoscaler',
  'NetworkPolicy',
  'Ingress',
  'ServiceMonitor',
  'TargetGroupBinding',
];

test('default values render the core objects out of the box', async (t) => {
  const manifests = await helm.render();
  const kinds = manifests.map((m) => m.kind).sort();
  t.deepEqual(kinds, [
    'ConfigMap',
    'Deployment',
    'Job',
    'Pod',
    'PodDisruptionBudget',
    'Service',
    'ServiceAccount',
  ]);
  t.is(only(manifests, 'Deployment').spec.replicas, 3);
});

test('optional objects appear only when switched on', async (t) => {
  const kinds = (await helm.render(everything)).map((m) => m.kind);
  for (const kind of optionalKinds) {
    t.true(kinds.includes(kind), kind);
  }
  const defaults = (await helm.render()).map((m) => m.kind);
  for (const kind of optionalKinds) {
    t.false(defaults.includes(kind), kind);
  }
});

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`every object carries the recommended labels and the release namespace (${name})`, async (t) => {
    for (const manifest of await helm.render(input)) {
      for (const label of recommendedLabels) {
        t.truthy(
          manifest.metadata.labels?.[label],
          `${manifest.kind}/${manifest.metadata.name} lacks ${label}`,
        );
      }
      t.is(manifest.metadata.labels?.['app.kubernetes.io/instance'], releaseName);
      t.is(manifest.metadata.namespace, namespace, `${manifest.kind}/${manifest.metadata.name}`);
    }
  });
}

test('selectors use only name + instance', async (t) => {
  const manifests = await helm.render(everything);
  const expected = {
    'app.kubernetes.io/name': 'high-available-server',
    'app.kubernetes.io/instance': releaseName,
  };
  t.deepEqual(only(manifests, 'Deployment').spec.selector.matchLabels, expected);
  t.deepEqual(only(manifests, 'Service', fullname).spec.selector, expected);
  t.deepEqual(only(manifests, 'PodDisruptionBudget').spec.selector.matchLabels, expected);
  t.deepEqual(only(manifests, 'NetworkPolicy').spec.podSelector.matchLabels, expected);
  // The ServiceMonitor also requires the metrics Service's component label (see service-monitor.test.ts).
  t.deepEqual(only(manifests, 'ServiceMonitor').spec.selector.matchLabels, {
    ...expected,
    'app.kubernetes.io/component': 'metrics',
  });
});

test('the image tag defaults to the chart appVersion', async (t) => {
  t.is(serverContainer(await helm.render()).image, 'high-available-server:1.0.0');
});

test('an explicit tag is used', async (t) => {
  const manifests = await helm.render({
    setString: { 'image.tag': '2.3.4', 'image.repository': 'registry.example/hello' },
  });
  t.is(serverContainer(manifests).image, 'registry.example/hello:2.3.4');
  t.is(only(manifests, 'Deployment').metadata.labels?.['app.kubernetes.io/version'], '2.3.4');
});

test('a numeric tag given with --set is used as text', async (t) => {
  t.is(
    serverContainer(await helm.render({ set: { 'image.tag': 20240101 } })).image,
    'high-available-server:20240101',
  );
});

test('a digest wins over the tag, in every pod the chart creates', async (t) => {
  const manifests = await helm.render({ setString: { 'image.tag': '2.3.4', 'image.digest': digest } });
  t.is(serverContainer(manifests).image, `high-available-server@${digest}`);
  t.is(only(manifests, 'Job').spec.template.spec.containers[0].image, `high-available-server@${digest}`);
  t.is(only(manifests, 'Pod').spec.containers[0].image, `high-available-server@${digest}`);
});

test('the latest tag is refused', async (t) => {
  const error = await helm.renderError({ setString: { 'image.tag': 'latest' } });
  t.regex(error, /image\.tag "latest" is refused/);
});

test('no rendered image uses latest or an implicit tag, whatever the shipped values', async (t) => {
  for (const input of Object.values(shippedInputs)) {
    for (const manifest of await helm.render(input)) {
      const spec = manifest.kind === 'Pod' ? manifest.spec : manifest.spec?.template?.spec;
      for (const container of spec?.containers ?? []) {
        t.regex(container.image, /(:[\w][\w.-]*|@sha256:[a-f0-9]{64})$/);
        t.notRegex(container.image, /:latest$/);
      }
    }
  }
});

test('the config checksum changes when the config changes, and only then', async (t) => {
  const checksum = async (set: Record<string, string | number>) =>
    only(await helm.render({ set }), 'Deployment').spec.template.metadata.annotations['checksum/config'];
  const base = await checksum({});
  t.regex(base, /^[a-f0-9]{64}$/);
  t.not(await checksum({ logLevel: 'debug' }), base);
  t.not(await checksum({ 'shutdown.delayMs': 6000 }), base);
  t.is(await checksum({ replicaCount: 4 }), base);
});

test('minikube values never pull and keep the spread soft', async (t) => {
  const manifests = await helm.render(minikube);
  t.is(serverContainer(manifests).imagePullPolicy, 'Never');
  const spread = only(manifests, 'Deployment').spec.template.spec.topologySpreadConstraints;
  t.true(spread.every((c: { whenUnsatisfiable: string }) => c.whenUnsatisfiable === 'ScheduleAnyway'));
});

test('EKS values: production resources, target group binding, no Ingress', async (t) => {
  const manifests = await helm.render(eks);
  const container = serverContainer(manifests);
  t.is(container.resources.requests.memory, '512Mi');
  t.is(container.resources.limits.memory, container.resources.requests.memory);
  t.is(container.resources.limits.cpu, undefined);
  t.regex(only(manifests, 'TargetGroupBinding').metadata.name, new RegExp(`^${fullname}-[0-9a-f]{8}$`));
  t.false(manifests.some((m) => m.kind === 'Ingress'));
});

test('NOTES.txt tells how to reach the service', async (t) => {
  const notes = await helm.notes();
  t.true(notes.includes(`kubectl -n ${namespace} port-forward service/${fullname} 8080:80`));
  t.true(notes.includes('curl -i http://127.0.0.1:8080/readyz'));
  t.true(notes.includes(`helm test ${releaseName}`));
  t.true(notes.includes('create secret generic hello-database --from-literal=DATABASE_URL='));
});
