import test from 'ava';
import { named, type StackRun } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const dependsOn = (r: StackRun, type: string, name: string) => named(r, type, name).dependsOn ?? [];
const RELEASE = 'kubernetes:helm.sh/v3:Release';

test('the app (and its TargetGroupBinding) waits for the Load Balancer Controller release, and goes first on destroy', (t) => {
  t.true(dependsOn(run, RELEASE, 'hello').includes(`${RELEASE}::hello-prod-controller`));
});

test('the app waits for its database Secret and the CA bundle', (t) => {
  t.true(
    dependsOn(run, RELEASE, 'hello').includes(
      'kubernetes:external-secrets.io/v1:ExternalSecret::hello-prod-database-url',
    ),
  );
  t.true(dependsOn(run, RELEASE, 'hello').includes('kubernetes:core/v1:ConfigMap::hello-prod-rds-ca'));
  const externalSecret = named(
    run,
    'kubernetes:external-secrets.io/v1:ExternalSecret',
    'hello-prod-database-url',
  );
  t.is(externalSecret.inputs.metadata.annotations['pulumi.com/waitFor'], 'condition=Ready');
});

test('controllers start only once their IAM is bound, on nodes that exist', (t) => {
  for (const [release, association] of [
    ['hello-prod-controller', 'hello-prod-controller'],
    ['hello-prod-eso', 'hello-prod-eso'],
  ] as const) {
    t.true(
      dependsOn(run, RELEASE, release).includes(
        `aws:eks/podIdentityAssociation:PodIdentityAssociation::${association}`,
      ),
    );
    t.deepEqual(dependsOn(run, 'aws:eks/podIdentityAssociation:PodIdentityAssociation', association), [
      'eks:index:Cluster::hello-prod',
      'eks:index:ManagedNodeGroup::hello-prod-nodes',
      'aws:eks/addon:Addon::hello-prod-pod-identity-agent',
    ]);
  }
  t.deepEqual(dependsOn(run, 'kubernetes:external-secrets.io/v1:SecretStore', 'hello-prod-store'), [
    `${RELEASE}::hello-prod-eso`,
  ]);
});

test('nodes start with the network-policy-enabled VPC CNI', (t) => {
  t.true(
    dependsOn(run, 'eks:index:ManagedNodeGroup', 'hello-prod-nodes').includes(
      'aws:eks/addon:Addon::hello-prod-vpc-cni',
    ),
  );
});

test('index.ts only wires components: every resource belongs to one of the diagram boxes', (t) => {
  const topLevel = run.resources.filter((r) => r.parent === undefined && r.type !== 'pulumi:pulumi:Stack');
  t.deepEqual(
    topLevel.filter((r) => !r.type.startsWith('high-available-server:')).map((r) => `${r.type}::${r.name}`),
    [],
  );
  t.deepEqual(topLevel.map((r) => r.type.split(':').pop()).sort(), [
    'App',
    'AppNamespace',
    'CiRunner',
    'Cluster',
    'Database',
    'DatabaseAccess',
    'Edge',
    'LoadBalancer',
    'Network',
    'ServiceImage',
  ]);
});
