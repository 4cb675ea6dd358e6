import test from 'ava';
import { shippedInputs } from './helpers/fixtures.js';
import { loadHelm } from './helpers/helm.js';
import { only, podSpecs } from './helpers/manifests.js';
import { restrictedViolations } from './helpers/pod-security.js';

const helm = await loadHelm();

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`every pod the chart can create meets Pod Security "restricted" (${name})`, async (t) => {
    const pods = podSpecs(await helm.render(input));
    const owners = pods.map((p) => p.owner.split('/')[0]).sort();
    t.deepEqual(
      owners,
      ['Deployment', 'Job', 'Pod'],
      'server, migration hook and helm test pods are all checked',
    );
    for (const pod of pods) t.deepEqual(restrictedViolations(pod.spec), [], pod.owner);
  });
}

test('all pods run as uid/gid 1000 on a read-only root filesystem without a service account token', async (t) => {
  for (const pod of podSpecs(await helm.render(shippedInputs['everything on']))) {
    t.is(pod.spec.automountServiceAccountToken, false, pod.owner);
    t.is(pod.spec.securityContext.runAsUser, 1000, pod.owner);
    t.is(pod.spec.securityContext.runAsGroup, 1000, pod.owner);
    t.is(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault', pod.owner);
    for (const container of pod.spec.containers) {
      t.is(container.securityContext.readOnlyRootFilesystem, true, `${pod.owner} ${container.name}`);
      t.is(container.securityContext.allowPrivilegeEscalation, false, `${pod.owner} ${container.name}`);
      t.deepEqual(container.securityContext.capabilities.drop, ['ALL'], `${pod.owner} ${container.name}`);
    }
  }
});

test('the ServiceAccount does not automount its token either', async (t) => {
  t.is(only(await helm.render(), 'ServiceAccount').automountServiceAccountToken, false);
});

test('the restricted checker flags what admission would reject', (t) => {
  const violations = restrictedViolations({
    hostNetwork: true,
    securityContext: { seccompProfile: { type: 'Unconfined' } },
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
    containers: [
      {
        name: 'bad',
        ports: [{ containerPort: 80, hostPort: 80 }],
        securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['SYS_ADMIN'] } },
      },
    ],
  });
  for (const expected of [
    /hostNetwork/,
    /hostPath/,
    /pod seccompProfile Unconfined/,
    /privileged/,
    /allowPrivilegeEscalation/,
    /runAsNonRoot/,
    /runAsUser must not be 0/,
    /drop ALL/,
    /SYS_ADMIN/,
    /hostPort/,
  ]) {
    t.true(
      violations.some((v) => expected.test(v)),
      `${expected} in ${violations.join('; ')}`,
    );
  }
});
