import test from 'ava';
import { parseStackConfig, StackConfigError } from '../config.js';
import { deployableStackConfig, type StackName, stackFileConfig } from './support/stack-config.js';

const NS = 'high-available-server:';
const readerFor = (config: Record<string, string>) => (key: string) => config[`${NS}${key}`];
const fromStackFile = (stack: StackName, changes: Record<string, string | undefined> = {}) => {
  const config = deployableStackConfig(stack);
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
  t.deepEqual(prod.clusterPublicAccessCidrs, []);
  t.is(prod.environment, 'production');
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
    problemsOf(() => fromStackFile('dev', { domain: 'hello.example.com' }))[0] ?? '',
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

test('the prod stack file alone is refused until its operator adds the domain, certificate and CI runner', (t) => {
  const config = stackFileConfig('prod');
  t.deepEqual(
    problemsOf(() => parseStackConfig(readerFor(config), config['aws:region'])).map((p) => p.split(':')[0]),
    [
      'domain and certificateArn are required in production',
      'ciRunnerGithubRepository and ciRunnerConnectionArn are required in production while the EKS endpoint is private',
    ],
  );
});

test('production refuses an EKS endpoint open to the internet; an allow-list or a private endpoint passes', (t) => {
  t.deepEqual(
    problemsOf(() => fromStackFile('prod', { clusterPublicAccessCidrs: '["203.0.113.0/24","0.0.0.0/0"]' })),
    [
      "clusterPublicAccessCidrs: '0.0.0.0/0' opens the production EKS API endpoint to the internet; use [] (private endpoint, deploys from the CodeBuild runner in the VPC) or an allow-list of your own CIDRs",
    ],
  );
  const allowList = fromStackFile('prod', {
    clusterPublicAccessCidrs: '["203.0.113.7/32"]',
    ciRunnerGithubRepository: undefined,
    ciRunnerConnectionArn: undefined,
  });
  t.like(allowList, { clusterPublicAccessCidrs: ['203.0.113.7/32'] });
  t.like(fromStackFile('prod'), { clusterPublicAccessCidrs: [] });
});

test('development may keep the public endpoint (the trade-off is documented)', (t) => {
  t.like(fromStackFile('dev'), { environment: 'development', clusterPublicAccessCidrs: ['0.0.0.0/0'] });
});

test('production refuses a stack without a custom domain or without the WAF', (t) => {
  const problems = problemsOf(() =>
    fromStackFile('prod', {
      domain: undefined,
      certificateArn: undefined,
      hostedZoneId: undefined,
      wafEnabled: 'false',
    }),
  );
  t.true(problems.some((p) => p.startsWith('domain and certificateArn are required in production')));
  t.true(problems.includes('wafEnabled must be true in production'));
});

test('viewer TLS policies older than TLSv1.2_2021 are refused, newer ones accepted', (t) => {
  t.regex(
    problemsOf(() => fromStackFile('prod', { viewerTlsPolicy: 'TLSv1.1_2016' }))[0] ?? '',
    /viewerTlsPolicy must be one of/,
  );
  t.like(fromStackFile('prod', { viewerTlsPolicy: 'TLSv1.3_2025' }), { viewerTlsPolicy: 'TLSv1.3_2025' });
  t.like(fromStackFile('dev'), { viewerTlsPolicy: 'TLSv1.2_2021' });
});

test('the CI runner needs a repository and a CodeConnections ARN', (t) => {
  t.deepEqual(
    problemsOf(() =>
      fromStackFile('prod', { ciRunnerGithubRepository: 'no-slash', ciRunnerConnectionArn: 'x' }),
    ),
    [
      "ciRunnerGithubRepository must be 'owner/name' of the GitHub repository (got 'no-slash')",
      "ciRunnerConnectionArn must be the ARN of a CodeConnections connection to GitHub (got 'x')",
    ],
  );
});

test('an AWS stack must say whether it is production', (t) => {
  t.true(
    problemsOf(() => fromStackFile('dev', { environment: undefined })).includes('environment is required'),
  );
});

test('a stack file that still sets replicas is refused with where the replica count lives now', (t) => {
  for (const stack of ['dev', 'minikube'] as const) {
    const problems = problemsOf(() => fromStackFile(stack, { replicas: '5' }));
    t.is(problems.length, 1);
    t.regex(
      problems[0] ?? '',
      /^replicas is no longer a stack setting: .*replicaCount in packages\/chart\/values-eks\.yaml/,
    );
  }
});

test('view-only principals must be IAM ARNs, and no principal may be both admin and viewer', (t) => {
  const role = 'arn:aws:iam::123456789012:role/preview';
  t.deepEqual(
    problemsOf(() => fromStackFile('dev', { clusterViewerPrincipalArns: '["preview"]' })),
    ["clusterViewerPrincipalArns: 'preview' is not an IAM ARN"],
  );
  const both = problemsOf(() =>
    fromStackFile('dev', {
      clusterAdminPrincipalArns: JSON.stringify([role]),
      clusterViewerPrincipalArns: JSON.stringify([role]),
    }),
  );
  t.is(both.length, 1);
  t.regex(both[0] ?? '', /listed more than once .* one access entry \(admin or viewer\)/);
  const ok = fromStackFile('dev', { clusterViewerPrincipalArns: JSON.stringify([role]) });
  t.deepEqual(ok.platform === 'aws' ? ok.clusterViewerPrincipalArns : undefined, [role]);
});
