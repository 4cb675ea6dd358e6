import test from 'ava';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const trustOf = (roleName: string) =>
  JSON.parse(named(run, 'aws:iam/role:Role', roleName).inputs.assumeRolePolicy).Statement;

test('every Pod Identity role trusts one cluster, namespace and service account (session tags)', (t) => {
  const associations = ofType(run, 'aws:eks/podIdentityAssociation:PodIdentityAssociation');
  t.true(associations.length >= 2);
  for (const association of associations) {
    const roleName = String(association.inputs.roleArn).split(':').pop() ?? '';
    const [statement, ...others] = trustOf(roleName);
    t.deepEqual(others, []);
    t.deepEqual(statement.Principal, { Service: 'pods.eks.amazonaws.com' });
    t.deepEqual(statement.Action, ['sts:AssumeRole', 'sts:TagSession']);
    t.deepEqual(statement.Condition, {
      StringEquals: {
        'aws:SourceAccount': '123456789012',
        'aws:RequestTag/eks-cluster-name': 'hello-prod',
        'aws:RequestTag/kubernetes-namespace': association.inputs.namespace,
        'aws:RequestTag/kubernetes-service-account': association.inputs.serviceAccount,
      },
    });
  }
});

test('the SecretStore in the app namespace reads the database secret through its own role', (t) => {
  const store = ofType(run, 'kubernetes:external-secrets.io/v1:SecretStore');
  t.is(store.length, 1);
  t.like(store[0]?.inputs, {
    kind: 'SecretStore',
    metadata: { namespace: 'hello' },
    spec: {
      provider: {
        aws: {
          service: 'SecretsManager',
          role: 'arn:aws:iam:eu-west-1:123456789012:hello-prod-db-secret-reader',
        },
      },
    },
  });
  t.deepEqual(ofType(run, 'kubernetes:external-secrets.io/v1:ClusterSecretStore'), []);
});

test('only the reader role may read the secret; the controller role may only assume the reader', (t) => {
  const readsSecret = ofType(run, 'aws:iam/rolePolicy:RolePolicy').filter((p) =>
    JSON.parse(p.inputs.policy).Statement.some((s: { Action: string | string[] }) =>
      [s.Action].flat().includes('secretsmanager:GetSecretValue'),
    ),
  );
  t.deepEqual(
    readsSecret.map((p) => p.inputs.role),
    ['hello-prod-db-secret-reader'],
  );
  const controllerPolicies = ofType(run, 'aws:iam/rolePolicy:RolePolicy').filter(
    (p) => p.inputs.role === 'hello-prod-eso',
  );
  t.deepEqual(
    controllerPolicies.map((p) => JSON.parse(p.inputs.policy).Statement),
    [
      [
        {
          Sid: 'AssumeTheSecretReaderOnly',
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: 'arn:aws:iam:eu-west-1:123456789012:hello-prod-db-secret-reader',
        },
      ],
    ],
  );
  t.deepEqual(trustOf('hello-prod-db-secret-reader'), [
    {
      Sid: 'TheEsoControllerOnly',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam:eu-west-1:123456789012:hello-prod-eso' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:PrincipalTag/kubernetes-namespace': 'external-secrets',
          'aws:PrincipalTag/kubernetes-service-account': 'external-secrets',
        },
      },
    },
  ]);
});

test('External Secrets reconciles the app namespace only (no store elsewhere can borrow its role)', (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello-prod-eso').inputs;
  t.like(release.values, {
    scopedNamespace: 'hello',
    scopedRBAC: true,
    processClusterStore: false,
    processClusterExternalSecret: false,
    processPushSecret: false,
  });
});

test('prod: the CI runner is CodeBuild in the private subnets, let into the EKS endpoint on 443 only', (t) => {
  const project = single(run, 'aws:codebuild/project:Project').inputs;
  t.like(project, {
    name: 'hello-prod-gha-runner',
    source: {
      type: 'GITHUB',
      location: 'https://github.com/example-org/high-available-server.git',
      auth: { type: 'CODECONNECTIONS' },
    },
    environment: { privilegedMode: false },
    vpcConfig: { vpcId: 'vpc-0123', subnets: ['subnet-private-0', 'subnet-private-1', 'subnet-private-2'] },
  });
  t.like(single(run, 'aws:codebuild/webhook:Webhook').inputs, {
    projectName: 'hello-prod-gha-runner',
    filterGroups: [{ filters: [{ type: 'EVENT', pattern: 'WORKFLOW_JOB_QUEUED' }] }],
  });
  t.like(
    named(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'hello-prod-eks-from-runner')
      .inputs,
    {
      securityGroupId: 'sg-cluster',
      referencedSecurityGroupId: 'hello-prod-runner-id',
      fromPort: 443,
      toPort: 443,
    },
  );
  // The runner's own role cannot deploy: no action beyond logs, the connection and its ENIs.
  const actions = JSON.parse(named(run, 'aws:iam/rolePolicy:RolePolicy', 'hello-prod-runner').inputs.policy)
    .Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat())
    .map((a: string) => a.split(':')[0]);
  t.deepEqual([...new Set(actions)].sort(), ['codeconnections', 'ec2', 'logs']);
  t.regex(String(run.outputs.ciRunnerLabel), /^codebuild-hello-prod-gha-runner-\$\{\{ github.run_id \}\}-/);
  const cluster = single(run, 'eks:index:Cluster').inputs;
  t.false(cluster.endpointPublicAccess);
  t.true(cluster.endpointPrivateAccess);
});
