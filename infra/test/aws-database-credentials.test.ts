import { readFileSync } from 'node:fs';
import test from 'ava';
import { OWNER_REFRESH_SECONDS, OWNER_RETRIES } from '../components/database-access.js';
import { APP_ROTATION_DAYS, ROTATION_APPLICATION } from '../components/database-app-user.js';
import { podBackOffSeconds } from './support/job-back-off.js';
import { AUTO_NAME_SUFFIX, MASTER_SECRET_ARN, MOCK_DIGEST } from './support/mocks.js';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// CONTRACTS.md "Database credentials", AWS side: the app's own login rotated by alternating
// users, the owner (master) credential for migrations only, both as files from Secrets.
const run = await stackRun('prod');
const EXTERNAL_SECRET = 'kubernetes:external-secrets.io/v1:ExternalSecret';
const APP_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:hello-prod-app-db';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:hello-prod-storage';
const DB_HOST = 'hello-prod-db.c0abc.eu-west-1.rds.amazonaws.com';
const URL_WITHOUT_CREDENTIALS = `postgres://${DB_HOST}:5432/hello?sslmode=verify-full&sslrootcert=/etc/ssl/db/ca.pem`;
const job = single(run, 'kubernetes:batch/v1:Job');
const pod = job.inputs.spec.template.spec;
const container = pod.containers[0];
const env = Object.fromEntries(
  container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
) as Record<string, string>;

test('the app credential is its own secret, in the shape the multi-user rotation function reads', (t) => {
  const secret = single(run, 'aws:secretsmanager/secret:Secret');
  t.is(secret.inputs.kmsKeyId, KEY_ARN);
  const first = single(run, 'aws:secretsmanager/secretVersion:SecretVersion');
  t.like(JSON.parse(first.inputs.secretString), {
    engine: 'postgres',
    host: DB_HOST,
    port: 5432,
    dbname: 'hello',
    username: 'hello_app_login',
    masterarn: MASTER_SECRET_ARN,
  });
  t.true(JSON.parse(first.inputs.secretString).password.length >= 32);
  // Once rotation has made another version current, Pulumi must never put the first one back.
  t.deepEqual(first.ignoreChanges, ['secretString', 'versionStages']);
});

test('AWS multi-user rotation function, pinned, runs in the private subnets with the master secret and key', (t) => {
  const stack = single(run, 'aws:serverlessrepository/cloudFormationStack:CloudFormationStack').inputs;
  t.like(stack, ROTATION_APPLICATION);
  t.regex(stack.applicationId, /applications\/SecretsManagerRDSPostgreSQLRotationMultiUser$/);
  t.deepEqual(stack.capabilities, ['CAPABILITY_IAM', 'CAPABILITY_RESOURCE_POLICY']);
  t.like(stack.parameters, {
    endpoint: 'https://secretsmanager.eu-west-1.amazonaws.com',
    vpcSubnetIds: 'subnet-private-0,subnet-private-1,subnet-private-2',
    vpcSecurityGroupIds: 'hello-prod-rotation-id',
    masterSecretArn: MASTER_SECRET_ARN,
    masterSecretKmsKeyArn: KEY_ARN,
    kmsKeyArn: KEY_ARN,
  });
});

test('the rotation function reaches only PostgreSQL and HTTPS (AWS APIs through the NAT gateway)', (t) => {
  const egress = ofType(run, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule')
    .map((rule) => rule.inputs)
    .filter((rule) => rule.securityGroupId === 'hello-prod-rotation-id');
  t.deepEqual(egress.map((rule) => [rule.fromPort, rule.referencedSecurityGroupId ?? rule.cidrIpv4]).sort(), [
    [443, '0.0.0.0/0'],
    [5432, 'hello-prod-sg-id'],
  ]);
});

test(`rotation every ${APP_ROTATION_DAYS} days starts only after the Job has made the first login work`, (t) => {
  const rotation = single(run, 'aws:secretsmanager/secretRotation:SecretRotation');
  t.like(rotation.inputs, {
    secretId: APP_SECRET_ARN,
    rotationLambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:hello-prod-app-db-rotation',
    rotationRules: { automaticallyAfterDays: APP_ROTATION_DAYS },
    rotateImmediately: true,
  });
  t.deepEqual(rotation.dependsOn, [`kubernetes:batch/v1:Job::${job.name}`]);
});

test('External Secrets writes the app and owner credentials as username/password Secrets', (t) => {
  const app = named(run, EXTERNAL_SECRET, 'hello-prod-app-credentials').inputs;
  const owner = named(run, EXTERNAL_SECRET, 'hello-prod-owner-credentials').inputs;
  for (const [externalSecret, name, source] of [
    [app, 'hello-database-app', APP_SECRET_ARN],
    [owner, 'hello-database-owner', MASTER_SECRET_ARN],
  ] as const) {
    t.is(externalSecret.metadata.namespace, 'hello');
    t.is(externalSecret.spec.target.name, name);
    t.deepEqual(externalSecret.spec.dataFrom, [{ extract: { key: source } }]);
    t.deepEqual(externalSecret.spec.target.template.data, {
      username: '{{ .username }}',
      password: '{{ .password }}',
    });
    t.is(externalSecret.metadata.annotations['pulumi.com/waitFor'], 'condition=Ready');
  }
  t.is(app.spec.refreshInterval, '15m');
  // The master password changes in place: its copy is refreshed every minute.
  t.is(owner.spec.refreshInterval, '60s');
  t.is(OWNER_REFRESH_SECONDS, 60);
});

test('the login Job (owner credential) retries for longer than the owner Secret takes to follow a rotation', (t) => {
  t.is(job.inputs.spec.backoffLimit, OWNER_RETRIES);
  t.true(podBackOffSeconds(OWNER_RETRIES) > OWNER_REFRESH_SECONDS);
  t.true(job.inputs.spec.activeDeadlineSeconds > podBackOffSeconds(OWNER_RETRIES));
});

test('the login Job runs our script in the deployed service image, with the credentials as files', (t) => {
  const { image } = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.is(container.image, `${image.repository}@${image.digest}`);
  t.is(image.digest, MOCK_DIGEST);
  t.deepEqual(container.command, ['node', '/opt/app-login/database-app-login.mts']);
  const script = named(run, 'kubernetes:core/v1:ConfigMap', 'hello-prod-app-login-script').inputs;
  t.is(
    script.data['database-app-login.mts'],
    readFileSync(new URL('../database-app-login.mts', import.meta.url), 'utf8'),
  );
  const mountOf = (path: string) => {
    const mount = container.volumeMounts.find((m: { mountPath: string }) =>
      path.startsWith(`${m.mountPath}/`),
    );
    return pod.volumes.find((v: { name: string }) => v.name === mount?.name);
  };
  t.like(mountOf(env.OWNER_USER_FILE ?? ''), { secret: { secretName: 'hello-database-owner' } });
  t.like(mountOf(env.OWNER_PASSWORD_FILE ?? ''), { secret: { secretName: 'hello-database-owner' } });
  t.like(mountOf(env.APP_USER_FILE ?? ''), { secret: { secretName: 'hello-database-app' } });
  t.like(mountOf(env.APP_PASSWORD_FILE ?? ''), { secret: { secretName: 'hello-database-app' } });
  t.regex(env.OWNER_USER_FILE ?? '', /\/username$/);
  t.regex(env.APP_PASSWORD_FILE ?? '', /\/password$/);
  t.is(env.APP_ROLE, 'hello_app');
  t.like(mountOf('/opt/app-login/database-app-login.mts'), {
    configMap: { name: `hello-prod-app-login-script-${AUTO_NAME_SUFFIX}` },
  });
});

test('the URL the Job connects with carries no credentials and verifies TLS against the mounted RDS CA', (t) => {
  t.is(env.DATABASE_URL, URL_WITHOUT_CREDENTIALS);
  t.is(new URL(env.DATABASE_URL ?? '').username, '');
  t.is(new URL(env.DATABASE_URL ?? '').password, '');
  const caFile = /[?&]sslrootcert=([^&]+)/.exec(env.DATABASE_URL ?? '')?.[1] ?? '';
  const caDir = caFile.slice(0, caFile.lastIndexOf('/'));
  const caMount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === caDir);
  const volume = pod.volumes.find((v: { name: string }) => v.name === caMount?.name);
  t.is(volume?.configMap?.name, 'rds-ca-bundle');
  const configMap = named(run, 'kubernetes:core/v1:ConfigMap', 'hello-prod-rds-ca').inputs;
  t.true(caFile.endsWith(`/${Object.keys(configMap.data)[0]}`));
});

test('the login Job passes Pod Security `restricted` and carries no service account token', (t) => {
  t.like(pod, {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  });
  t.like(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
});

test('the Job waits for both Secrets and the CA; the app release and the rotation wait for the Job', (t) => {
  t.deepEqual(job.dependsOn?.sort(), [
    'kubernetes:core/v1:ConfigMap::hello-prod-rds-ca',
    `${EXTERNAL_SECRET}::hello-prod-app-credentials`,
    `${EXTERNAL_SECRET}::hello-prod-owner-credentials`,
  ]);
  t.true(
    named(run, 'kubernetes:helm.sh/v3:Release', 'hello').dependsOn?.includes(
      `kubernetes:batch/v1:Job::${job.name}`,
    ),
  );
});
