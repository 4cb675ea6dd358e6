import test from 'ava';
import { eks, everything } from './helpers/fixtures.js';
import { loadHelm } from './helpers/helm.js';
import { ofKind, only, podSpecs, selects, serverContainer } from './helpers/manifests.js';

const helm = await loadHelm();
const defaults = await helm.render();
const deployment = only(defaults, 'Deployment');
const podSpec = deployment.spec.template.spec;
const container = serverContainer(defaults);
const config = only(defaults, 'ConfigMap').data;

test('rolling updates never drop below the desired replicas', (t) => {
  t.is(deployment.spec.strategy.type, 'RollingUpdate');
  t.is(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
  t.is(deployment.spec.strategy.rollingUpdate.maxSurge, 1);
  t.true(deployment.spec.minReadySeconds > 0);
});

test('probes: startup and liveness on /livez, readiness on /readyz, all on the management port', (t) => {
  t.is(container.startupProbe.httpGet.path, '/livez');
  t.is(container.livenessProbe.httpGet.path, '/livez');
  t.is(container.readinessProbe.httpGet.path, '/readyz');
  for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
    t.is(probe.httpGet.port, 'management');
  }
});

test('readiness reacts fast, liveness is generous', (t) => {
  const window = (probe: { periodSeconds: number; failureThreshold: number }) =>
    probe.periodSeconds * probe.failureThreshold;
  t.true(window(container.readinessProbe) <= 10, 'unready within 10 s');
  t.true(window(container.livenessProbe) >= 60, 'no restart before a minute of failures');
  t.true(window(container.livenessProbe) > window(container.readinessProbe));
  t.true(window(container.startupProbe) >= 60, 'startup may include migrations');
});

test('preStop uses the native sleep action (no shell in a distroless image)', (t) => {
  t.deepEqual(Object.keys(container.lifecycle.preStop), ['sleep']);
  t.is(container.lifecycle.preStop.sleep.seconds, 125);
});

test('the chart refuses clusters without the native preStop sleep action (Kubernetes < 1.30)', async (t) => {
  t.regex(await helm.renderError({ kubeVersion: '1.29.9' }), /chart requires kubeVersion: >=1\.30\.0-0/);
  await t.notThrowsAsync(helm.render({ kubeVersion: '1.30.0' }));
});

test('the grace period covers preStop + shutdown delay + drain timeout + a margin', (t) => {
  const preStop = container.lifecycle.preStop.sleep.seconds;
  const shutdownSeconds = (Number(config.SHUTDOWN_DELAY_MS) + Number(config.SHUTDOWN_TIMEOUT_MS)) / 1000;
  t.is(config.SHUTDOWN_DELAY_MS, '5000');
  t.is(config.SHUTDOWN_TIMEOUT_MS, '15000');
  t.true(podSpec.terminationGracePeriodSeconds >= preStop + shutdownSeconds + 5);
  t.is(podSpec.terminationGracePeriodSeconds, 160);
});

test('rendering fails when the grace period is too short', async (t) => {
  const error = await helm.renderError({ set: { 'shutdown.terminationGracePeriodSeconds': 149 } });
  t.regex(
    error,
    /shutdown\.terminationGracePeriodSeconds=149 is too short: preStop 125s \+ shutdown delay and drain 20s \+ 5s margin = 150s/,
  );
  await t.notThrowsAsync(helm.render({ set: { 'shutdown.terminationGracePeriodSeconds': 150 } }));
  const longerDrain = await helm.renderError({ set: { 'shutdown.timeoutMs': 40000 } });
  t.regex(longerDrain, /too short/);
});

test('the PodDisruptionBudget keeps all but one pod and selects exactly the server pods', (t) => {
  const budget = only(defaults, 'PodDisruptionBudget');
  t.is(budget.spec.maxUnavailable, 1);
  // A crash-looping pod must not block node drains.
  t.is(budget.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  t.true(selects(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
  for (const other of podSpecs(defaults).filter((p) => !p.owner.startsWith('Deployment/'))) {
    t.false(selects(budget.spec.selector.matchLabels, other.labels), other.owner);
  }
});

test('the Service targets the container port by name and never selects hook pods', (t) => {
  const service = only(defaults, 'Service');
  t.is(service.spec.type, 'ClusterIP');
  const [port] = service.spec.ports;
  t.is(port.port, 80);
  t.is(port.name, 'http');
  const containerPort = container.ports.find((p: { name: string }) => p.name === port.targetPort);
  t.is(containerPort?.containerPort, 8080);
  t.true(selects(service.spec.selector, deployment.spec.template.metadata.labels));
  for (const other of podSpecs(defaults).filter((p) => !p.owner.startsWith('Deployment/'))) {
    t.false(selects(service.spec.selector, other.labels), other.owner);
  }
});

test('pods spread over zones and hosts, softly by default', (t) => {
  const constraints = podSpec.topologySpreadConstraints;
  t.deepEqual(constraints.map((c: { topologyKey: string }) => c.topologyKey).sort(), [
    'kubernetes.io/hostname',
    'topology.kubernetes.io/zone',
  ]);
  for (const constraint of constraints) {
    t.is(constraint.whenUnsatisfiable, 'ScheduleAnyway');
    t.is(constraint.maxSkew, 1);
    t.true(selects(constraint.labelSelector.matchLabels, deployment.spec.template.metadata.labels));
    t.deepEqual(constraint.matchLabelKeys, ['pod-template-hash']);
    t.is(constraint.nodeTaintsPolicy, 'Honor', 'a dead zone must not block rescheduling');
  }
});

test('EKS requires the zone spread over all 3 zones (node autoscaling adds the node a zone needs)', async (t) => {
  const constraints = only(await helm.render(eks), 'Deployment').spec.template.spec.topologySpreadConstraints;
  const byKey = Object.fromEntries(constraints.map((c: { topologyKey: string }) => [c.topologyKey, c]));
  t.like(byKey['topology.kubernetes.io/zone'], { whenUnsatisfiable: 'DoNotSchedule', minDomains: 3 });
  t.is(byKey['kubernetes.io/hostname'].whenUnsatisfiable, 'ScheduleAnyway');
  t.is(byKey['kubernetes.io/hostname'].minDomains, undefined);
});

test('minDomains only with a required spread (Kubernetes refuses it with ScheduleAnyway)', async (t) => {
  for (const constraint of podSpec.topologySpreadConstraints) t.is(constraint.minDomains, undefined);
  t.regex(
    await helm.renderError({ set: { 'topologySpread.zone.minDomains': 3 } }),
    /topologySpread\.zone\.minDomains applies only with whenUnsatisfiable=DoNotSchedule/,
  );
});

test('switching the HPA on keeps replicas in the Deployment (its fallback when nothing is live)', async (t) => {
  // `helm template` has no cluster: its `lookup` answers an empty map, so only the fallback branch
  // (no live Deployment: the higher of replicaCount and minReplicas) can be rendered here. On a live
  // release the template keeps the Deployment's current count; that branch needs a cluster.
  const replicas = async (set: Record<string, number | boolean>) =>
    only(await helm.render({ set: { 'autoscaling.enabled': true, ...set } }), 'Deployment').spec.replicas;
  t.is(await replicas({}), 3);
  t.is(await replicas({ 'autoscaling.minReplicas': 4 }), 4);
  t.is(await replicas({ replicaCount: 5 }), 5);
});

test('with the HPA on, it scales the Deployment and the floor is 3', async (t) => {
  const manifests = await helm.render(everything);
  const autoscaler = only(manifests, 'HorizontalPodAutoscaler');
  t.true(autoscaler.spec.minReplicas >= 3);
  t.is(autoscaler.spec.scaleTargetRef.name, only(manifests, 'Deployment').metadata.name);
  t.is(autoscaler.spec.scaleTargetRef.kind, 'Deployment');
  const belowFloor = await helm.renderError({
    set: { 'autoscaling.enabled': true, 'autoscaling.minReplicas': 2 },
  });
  // values.schema.json holds the floor (one pod per zone, two left after a zone loss).
  t.regex(belowFloor, /at '\/autoscaling\/minReplicas': minimum: got 2, want 3/);
  // Slow scale-down: every removed pod goes through the full graceful shutdown.
  t.like(autoscaler.spec.behavior.scaleDown, {
    stabilizationWindowSeconds: 300,
    policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
  });
  const inverted = await helm.renderError({
    set: { 'autoscaling.enabled': true, 'autoscaling.minReplicas': 5, 'autoscaling.maxReplicas': 4 },
  });
  t.regex(inverted, /maxReplicas must be >= autoscaling\.minReplicas/);
});

test('every pod mounts a writable /tmp and nothing else is writable', (t) => {
  t.is(container.securityContext.readOnlyRootFilesystem, true);
  const tmpMount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
  const tmpVolume = podSpec.volumes.find((v: { name: string }) => v.name === tmpMount?.name);
  t.truthy(tmpVolume?.emptyDir);
});

test('a PodDisruptionBudget that allows every pod down is refused', async (t) => {
  const error = await helm.renderError({ set: { 'podDisruptionBudget.maxUnavailable': 3 } });
  t.regex(error, /maxUnavailable must be below replicaCount/);
  t.is(
    ofKind(await helm.render({ set: { 'podDisruptionBudget.enabled': false } }), 'PodDisruptionBudget')
      .length,
    0,
  );
});
