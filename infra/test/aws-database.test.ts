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

test('the database security group admits 5432 only from the nodes and the credential rotation function', (t) => {
  t.deepEqual(db.vpcSecurityGroupIds, ['hello-prod-sg-id']);
  const rules = ofType(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter(
    (r) => r.inputs.securityGroupId === 'hello-prod-sg-id',
  );
  t.deepEqual(rules.map((r) => r.inputs.referencedSecurityGroupId).sort(), [
    'hello-prod-rotation-id',
    'sg-nodes',
  ]);
  for (const rule of rules) {
    t.like(rule.inputs, { ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 });
    t.is(rule.inputs.cidrIpv4, undefined);
  }
});

test('External Secrets may read exactly the RDS-managed secret and the app credential', (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello-prod-eso').inputs;
  t.like(release, { chart: 'external-secrets', namespace: 'external-secrets', atomic: true });
  t.regex(release.version, /^\d+\.\d+\.\d+$/);
  const policy = JSON.parse(
    named(run, 'aws:iam/rolePolicy:RolePolicy', 'hello-prod-eso-read-db-secret').inputs.policy,
  );
  t.deepEqual(policy.Statement[0].Resource, [
    MASTER_SECRET_ARN,
    'arn:aws:secretsmanager:eu-west-1:123456789012:hello-prod-app-db',
  ]);
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

test('the chart gets DATABASE_URL without credentials, and the credential Secrets to mount as files', (t) => {
  const values = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.is(
    values.database.url,
    `postgres://${DB_HOST}:5432/hello?sslmode=verify-full&sslrootcert=/etc/ssl/db/ca.pem`,
  );
  t.deepEqual(values.database.credentials, {
    appSecret: 'hello-database-app',
    ownerSecret: 'hello-database-owner',
  });
  t.is(values.database.existingSecret, undefined);
  // No Secret holding a whole URL (with a password in it) is written any more.
  t.false(
    ofType(run, 'kubernetes:external-secrets.io/v1:ExternalSecret').some(
      (e) => 'DATABASE_URL' in (e.inputs.spec.target.template?.data ?? {}),
    ),
  );
});

test('the RDS CA bundle fetched at deploy time reaches the chart through a ConfigMap', (t) => {
  t.deepEqual(run.caBundleRequests, ['eu-west-1']);
  const configMap = named(run, 'kubernetes:core/v1:ConfigMap', 'hello-prod-rds-ca').inputs;
  t.deepEqual(configMap.data, { 'ca.pem': FAKE_CA_BUNDLE });
  const values = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.deepEqual(values.database.caBundle, { configMapName: 'rds-ca-bundle', key: 'ca.pem' });
});
