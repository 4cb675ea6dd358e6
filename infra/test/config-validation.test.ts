import test from 'ava';
import { parseStackConfig, StackConfigError } from '../config.js';
import { type StackName, stackFileConfig } from './support/stack-config.js';

const NS = 'high-available-server:';
const readerFor = (config: Record<string, string>) => (key: string) => config[`${NS}${key}`];
const fromStackFile = (stack: StackName, changes: Record<string, string | undefined> = {}) => {
  const config = stackFileConfig(stack);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete config[`${NS}${key}`];
    else config[`${NS}${key}`] = value;
  }
  return parseStackConfig(readerFor(config), config['aws:region']);
};
const problemsOf = (fn: () => unknown): string[] => {
  const error = (() => {
    try {
      fn();
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  if (!(error instanceof StackConfigError)) throw new Error('expected a StackConfigError');
  return error.problems;
};

test('every stack file is valid and names its platform', (t) => {
  t.is(fromStackFile('dev').platform, 'aws');
  t.is(fromStackFile('prod').platform, 'aws');
  t.is(fromStackFile('minikube').platform, 'minikube');
});

test('typed values come out of the strings Pulumi hands over', (t) => {
  const prod = fromStackFile('prod');
  if (prod.platform !== 'aws') throw new Error('prod must be aws');
  t.is(prod.nodeMinSize, 3);
  t.true(prod.database.multiAz);
  t.deepEqual(prod.clusterPublicAccessCidrs, ['0.0.0.0/0']);
  t.is(prod.region, 'eu-west-1');
});

test('an unknown platform is refused with the allowed values', (t) => {
  t.deepEqual(
    problemsOf(() => fromStackFile('minikube', { platform: 'gcp' })),
    ["platform must be one of aws | minikube (got 'gcp')"],
  );
});

test('Kubernetes older than 1.33 or unpinned is refused', (t) => {
  t.regex(problemsOf(() => fromStackFile('dev', { kubernetesVersion: '1.30' }))[0] ?? '', /at least 1\.33/);
  t.regex(problemsOf(() => fromStackFile('dev', { kubernetesVersion: 'latest' }))[0] ?? '', /pinned/);
});

test('every problem is reported at once, with the key to fix', (t) => {
  const problems = problemsOf(() =>
    fromStackFile('dev', {
      nodeMinSize: '4',
      natGateways: 'Sometimes',
      dbBackupRetentionDays: '1',
      wafEnabled: 'yes',
      dbInstanceClass: undefined,
    }),
  );
  t.true(problems.some((p) => p.startsWith('node sizes must satisfy')));
  t.true(problems.some((p) => p.startsWith('natGateways must be one of Single | OnePerAz')));
  t.true(problems.some((p) => p.startsWith('dbBackupRetentionDays must be an integer from 7 to 35')));
  t.true(problems.some((p) => p.startsWith('wafEnabled must be true or false')));
  t.true(problems.includes('dbInstanceClass is required'));
});

test('an image must be pinned by digest', (t) => {
  t.regex(
    problemsOf(() => fromStackFile('dev', { image: 'repo/hello:latest' }))[0] ?? '',
    /pinned by digest/,
  );
  const ok = fromStackFile('dev', { image: `registry.example/hello@sha256:${'a'.repeat(64)}` });
  t.is(ok.image, `registry.example/hello@sha256:${'a'.repeat(64)}`);
});

test('a domain needs a us-east-1 certificate', (t) => {
  t.regex(
    problemsOf(() => fromStackFile('prod', { domain: 'hello.example.com' }))[0] ?? '',
    /certificateArn .* us-east-1/,
  );
});

test('bad CIDRs and ARNs are named', (t) => {
  const problems = problemsOf(() =>
    fromStackFile('prod', {
      clusterPublicAccessCidrs: '["10.0.0.0/33"]',
      clusterAdminPrincipalArns: '["me"]',
    }),
  );
  t.deepEqual(problems, [
    "clusterPublicAccessCidrs: '10.0.0.0/33' is not an IPv4 CIDR",
    "clusterAdminPrincipalArns: 'me' is not an IAM ARN",
  ]);
});

test('an AWS stack without aws:region is refused', (t) => {
  const config = stackFileConfig('dev');
  t.true(
    problemsOf(() => parseStackConfig(readerFor(config), undefined)).includes(
      'aws:region is required for platform aws',
    ),
  );
});
