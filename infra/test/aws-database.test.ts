import test from 'ava';
import { MASTER_SECRET_ARN } from './support/mocks.js';
import { FAKE_CA_BUNDLE, named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const db = single(run, 'aws:rds/instance:Instance').inputs;
const DB_HOST = 'hello-prod-db.c0abc.eu-west-1.rds.amazonaws.com';

test('RDS PostgreSQL is private, KMS-encrypted and keeps its own password', (t) => {
  t.like(db, {
    engine: 'postgres',
    publiclyAccessible: false,
    storageEncrypted: true,
    kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:hello-prod-storage',
    manageMasterUserPassword: true,
  });
  t.is(db.password, undefined);
  t.true(named(run, 'aws:kms/key:Key', 'hello-prod-storage').inputs.enableKeyRotation);
});

test('prod database: Multi-AZ, deletion protection, >= 7 days of backups, PI and log exports', (t) => {
  t.true(db.multiAz);
  t.true(db.deletionProtection);
  t.true(db.backupRetentionPeriod >= 7);
  t.true(db.performanceInsightsEnabled);
  t.deepEqual(db.enabledCloudwatchLogsExports, ['postgresql', 'upgrade']);
});

test('TLS is forced by the parameter group', (t) => {
  const params = single(run, 'aws:rds/parameterGroup:ParameterGroup').inputs;
  t.is(params.family, 'postgres17');
  t.deepEqual(
    params.parameters.find((p: { name: string }) => p.name === 'rds.force_ssl'),
    { name: 'rds.force_ssl', value: '1' },
  );
  t.is(db.parameterGroupName, 'hello-prod-params');
});

test('the database security group admits 5432 only from the node security group', (t) => {
  t.deepEqual(db.vpcSecurityGroupIds, ['hello-prod-sg-id']);
  const rules = ofType(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter(
    (r) => r.inputs.securityGroupId === 'hello-prod-sg-id',
  );
  t.is(rules.length, 1);
  t.like(rules[0]?.inputs, {
    ipProtocol: 'tcp',
    fromPort: 5432,
    toPort: 5432,
    referencedSecurityGroupId: 'sg-nodes',
  });
  t.is(rules[0]?.inputs.cidrIpv4, undefined);
});

test('External Secrets may read exactly the RDS-managed secret', (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello-prod-eso').inputs;
  t.like(release, { chart: 'external-secrets', namespace: 'external-secrets', atomic: true });
  t.regex(release.version, /^\d+\.\d+\.\d+$/);
  const policy = JSON.parse(
    named(run, 'aws:iam/rolePolicy:RolePolicy', 'hello-prod-eso-read-db-secret').inputs.policy,
  );
  t.deepEqual(policy.Statement[0].Resource, MASTER_SECRET_ARN);
  t.deepEqual(policy.Statement[0].Action, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
  const association = named(
    run,
    'aws:eks/podIdentityAssociation:PodIdentityAssociation',
    'hello-prod-eso',
  ).inputs;
  t.like(association, {
    namespace: 'external-secrets',
    serviceAccount: 'external-secrets',
    clusterName: 'hello-prod',
  });
});

test('an ExternalSecret renders DATABASE_URL with verify-full TLS against the mounted CA', (t) => {
  const externalSecret = single(run, 'kubernetes:external-secrets.io/v1:ExternalSecret').inputs;
  t.is(externalSecret.metadata.namespace, 'hello');
  t.deepEqual(externalSecret.spec.dataFrom, [{ extract: { key: MASTER_SECRET_ARN } }]);
  t.is(externalSecret.spec.target.name, 'hello-database');
  // docs/infra.md: a rotated password reaches the Secret within 15 minutes.
  t.is(externalSecret.spec.refreshInterval, '15m');
  t.is(
    externalSecret.spec.target.template.data.DATABASE_URL,
    `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${DB_HOST}:5432/hello` +
      '?sslmode=verify-full&sslrootcert=/etc/ssl/db/ca.pem',
  );
});

test('the RDS CA bundle fetched at deploy time reaches the chart through a ConfigMap', (t) => {
  t.deepEqual(run.caBundleRequests, ['eu-west-1']);
  const configMap = single(run, 'kubernetes:core/v1:ConfigMap').inputs;
  t.deepEqual(configMap.data, { 'ca.pem': FAKE_CA_BUNDLE });
  const values = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.deepEqual(values.database, {
    existingSecret: 'hello-database',
    secretKey: 'DATABASE_URL',
    caBundle: { configMapName: 'rds-ca-bundle', key: 'ca.pem' },
  });
});
