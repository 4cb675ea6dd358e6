import test from 'ava';
import { CLUSTER_AUTOSCALER } from '../components/node-autoscaler.js';
import { named, ofType } from './support/run-stack.js';
import { stackFileConfig } from './support/stack-config.js';
import { stackRun } from './support/stack-runs.js';

// The chart's zone spread is DoNotSchedule with minDomains 3: a pod that needs a zone with no
// room stays Pending until a node appears in that very zone. One node group per AZ is what lets
// the Cluster Autoscaler add it there.
const [dev, prod] = await Promise.all([stackRun('dev'), stackRun('prod')]);
const RELEASE = 'kubernetes:helm.sh/v3:Release';

for (const [stack, run] of [
  ['dev', dev],
  ['prod', prod],
] as const) {
  test(`${stack}: one node group per AZ, each in exactly one private subnet, sized by the autoscaler`, (t) => {
    const groups = ofType(run, 'eks:index:ManagedNodeGroup').map((group) => group.inputs);
    t.deepEqual(
      groups.map((group) => group.subnetIds),
      [['subnet-private-0'], ['subnet-private-1'], ['subnet-private-2']],
    );
    t.true(groups.every((group) => group.ignoreScalingChanges === true));
    t.true(
      groups.every((group) => group.scalingConfig.maxSize >= 1),
      'every zone can get a node',
    );
    const config = stackFileConfig(stack);
    const total = (key: 'minSize' | 'maxSize') =>
      groups.reduce((sum, group) => sum + Number(group.scalingConfig[key]), 0);
    t.is(total('minSize'), Number(config['high-available-server:nodeMinSize']));
    t.is(total('maxSize'), Number(config['high-available-server:nodeMaxSize']));
  });
}

test("the Cluster Autoscaler is a pinned release of the cluster's Kubernetes minor, finding the groups by tag", (t) => {
  const release = named(prod, RELEASE, 'hello-prod-node-autoscaler').inputs;
  t.like(release, {
    chart: CLUSTER_AUTOSCALER.chart,
    version: CLUSTER_AUTOSCALER.version,
    repositoryOpts: { repo: CLUSTER_AUTOSCALER.repo },
    namespace: 'kube-system',
    atomic: true,
  });
  t.like(release.values, {
    cloudProvider: 'aws',
    awsRegion: 'eu-west-1',
    autoDiscovery: { clusterName: 'hello-prod' },
    rbac: { serviceAccount: { name: 'cluster-autoscaler' } },
  });
  t.is(release.values.extraArgs['balance-similar-node-groups'], true);
  for (const stack of ['dev', 'prod'] as const) {
    t.is(
      stackFileConfig(stack)['high-available-server:kubernetesVersion'],
      CLUSTER_AUTOSCALER.kubernetesVersion,
    );
  }
});

test("its Pod Identity role may resize only this cluster's node groups", (t) => {
  const association = named(
    prod,
    'aws:eks/podIdentityAssociation:PodIdentityAssociation',
    'hello-prod-node-autoscaler',
  );
  t.like(association.inputs, { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler' });
  t.true(association.dependsOn?.includes('aws:eks/addon:Addon::hello-prod-pod-identity-agent'));
  const policy = JSON.parse(
    named(prod, 'aws:iam/rolePolicy:RolePolicy', 'hello-prod-node-autoscaler').inputs.policy,
  );
  const writes = policy.Statement.filter((s: { Action: string[] }) =>
    s.Action.some((action) => !/:(Describe|Get)/.test(action)),
  );
  t.deepEqual(writes, [
    {
      Sid: 'ScaleThisClustersGroups',
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/hello-prod': 'owned' } },
    },
  ]);
  t.true(
    named(prod, RELEASE, 'hello-prod-node-autoscaler').dependsOn?.includes(
      'aws:eks/podIdentityAssociation:PodIdentityAssociation::hello-prod-node-autoscaler',
    ),
  );
});
