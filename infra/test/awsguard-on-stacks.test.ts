import { createRequire } from 'node:module';
import test from 'ava';
import type { Registration } from './support/mocks.js';
import type { StackRun } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// Pulumi's public AWS policy pack, @pulumi/awsguard 0.3.1, run as is: its AwsGuard constructor
// starts a policy server (Pulumi CLI only), so each policy's own validateResource is called on
// every resource of the dev and prod mock runs, with the arguments the policy runtime would pass.
// Every violation is either fixed or listed below with its reason; an exemption that no longer
// matches anything fails too, so the list stays true.

// biome-ignore lint/suspicious/noExplicitAny: awsguard's policies are untyped CommonJS here.
type Policy = { name: string; validateResource?: any; validateStack?: any; configSchema?: any };
const require = createRequire(import.meta.url);
const MODULES = ['apiGateway', 'compute', 'database', 'elasticsearch', 'network', 'security', 'storage'];
const policies: Policy[] = MODULES.flatMap((m) =>
  Object.values(require(`@pulumi/awsguard/${m}.js`) as Record<string, Policy>),
);

/** Configuration we give awsguard's configurable policies, and why. */
const CONFIG: Record<string, Record<string, unknown>> = {
  // Our API is REGIONAL on purpose: CloudFront is our own edge; EDGE would put AWS's in front of it.
  'apigateway-endpoint-type': { allowEdge: false, allowRegional: true, allowPrivate: false },
};

interface Exemption {
  policy: string;
  stacks: string[];
  /** Resource name pattern. */
  resource: RegExp;
  reason: string;
}

const EXEMPTIONS: Exemption[] = [
  {
    policy: 'rds-instance-multi-az-enabled',
    stacks: ['dev'],
    resource: /^hello-dev-postgres$/,
    reason: 'dev: single-AZ RDS by design (cost); prod is Multi-AZ',
  },
  {
    policy: 'apigateway-stage-cached',
    stacks: ['dev', 'prod'],
    resource: /^hello-\w+-live$/,
    reason:
      'no API Gateway cache: every answer is per user and changes with each PUT and each day, CloudFront does not cache either; a cache cluster costs from ~$14/month for nothing',
  },
  {
    policy: 'apigateway-method-cached-and-encrypted',
    stacks: ['dev', 'prod'],
    resource: /^hello-\w+-live$/,
    reason: 'same as apigateway-stage-cached: caching is off, so there is no cached response to encrypt',
  },
  {
    policy: 's3-bucket-logging-enabled',
    stacks: ['dev', 'prod'],
    resource: /-(alb|cdn|waf|origin-waf)-logs$/,
    reason:
      "these are the log buckets: AWS services write into them; logging access to them needs another bucket with the same question; their reads are audited by CloudTrail. (The rule also reads @pulumi/aws 4's inline `loggings`, which @pulumi/aws 7 buckets no longer have.)",
  },
];

/** Policies that check nothing here, and why (asserted: the types they match are absent). */
const NOT_APPLICABLE: Record<string, string> = {
  'ec2-instance-detailed-monitoring-enabled': 'no aws.ec2.Instance: nodes come from a managed node group',
  'ec2-instance-no-public-ip':
    'no aws.ec2.Instance (nodes: nodeAssociatePublicIpAddress false, private subnets)',
  'ec2-volume-inuse': 'no aws.ec2.Instance',
  'encrypted-volumes':
    'no aws.ec2.Instance (launch template root volumes are encrypted; EBS encryption by default)',
  'elb-logging-enabled': 'matches legacy LB types only, not aws:lb/*: our pack holds alb-access-logs',
  'elb-deletion-protection-enabled':
    'matches legacy LB types only, not aws:lb/*: our pack holds alb-deletion-protection-in-production',
  'alb-http-to-https-redirection':
    'matches legacy listener types only; our listener is internal HTTP behind the VPC link, TLS ends at CloudFront and API Gateway',
  'redshift-cluster-configuration': 'no Redshift',
  'redshift-cluster-maintenance-settings': 'no Redshift',
  'redshift-cluster-public-access': 'no Redshift',
  'dynamodb-table-encryption-enabled': 'no DynamoDB',
  'elasticsearch-encrypted-at-rest': 'no Elasticsearch',
  'elasticsearch-in-vpc-only': 'no Elasticsearch',
  'efs-encrypted': 'no EFS',
  'mfa-enabled-for-iam-console-access': 'no IAM users (and it calls IAM over aws-sdk v2)',
  'acm-certificate-expiration':
    'a stack policy that calls ACM over aws-sdk v2; the stacks create no aws.acm.Certificate (prod takes an existing one by ARN)',
  'access-keys-rotated': 'a stack policy that calls IAM over aws-sdk v2; the stacks create no access keys',
};

function defaults(policy: Policy): Record<string, unknown> {
  const properties = policy.configSchema?.properties ?? {};
  return Object.fromEntries(
    Object.entries(properties as Record<string, { default?: unknown }>)
      .filter(([, schema]) => schema.default !== undefined)
      .map(([key, schema]) => [key, schema.default]),
  );
}

class NotApplicable extends Error {}

async function violationsOf(policy: Policy, resource: Registration): Promise<string[]> {
  const found: string[] = [];
  const validators = [policy.validateResource ?? []].flat();
  for (const validate of validators) {
    const args = {
      type: resource.type,
      props: resource.inputs,
      urn: `urn:pulumi:stack::high-available-server::${resource.type}::${resource.name}`,
      name: resource.name,
      opts: {},
      stackTags: new Map(),
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === resource.type,
      asType: (cls: { __pulumiType?: string }) =>
        cls.__pulumiType === resource.type ? resource.inputs : undefined,
      getConfig: () => ({ ...defaults(policy), ...CONFIG[policy.name] }),
      notApplicable: () => {
        throw new NotApplicable();
      },
    };
    try {
      await validate(args, (message: string) => found.push(message));
    } catch (error) {
      if (!(error instanceof NotApplicable) && !String(error).includes('not applicable')) throw error;
    }
  }
  return found;
}

const runs: StackRun[] = await Promise.all([stackRun('dev'), stackRun('prod')]);
const results = await Promise.all(
  runs.flatMap((run) =>
    policies
      .filter((p) => p.validateResource)
      .flatMap((policy) =>
        run.resources.map(async (resource) => ({
          stack: run.stack,
          policy: policy.name,
          resource,
          messages: await violationsOf(policy, resource),
        })),
      ),
  ),
);
const violations = results.filter((r) => r.messages.length > 0);
const exemptionFor = (v: (typeof violations)[number]) =>
  EXEMPTIONS.find(
    (e) => e.policy === v.policy && e.stacks.includes(v.stack) && e.resource.test(v.resource.name),
  );

test('awsguard: every violation on the dev and prod stacks is fixed or exempted with a reason', (t) => {
  const unexplained = violations
    .filter((v) => !exemptionFor(v))
    .map((v) => `${v.stack} ${v.policy} ${v.resource.type} ${v.resource.name}: ${v.messages.join('; ')}`);
  t.deepEqual(unexplained, []);
});

test('awsguard: every exemption still matches a violation (no stale excuses)', (t) => {
  for (const exemption of EXEMPTIONS) {
    for (const stack of exemption.stacks) {
      t.true(
        violations.some((v) => v.stack === stack && exemptionFor(v) === exemption),
        `${exemption.policy} on ${stack} no longer violated: drop the exemption`,
      );
    }
  }
});

test('awsguard: the policies that apply did look at our resources', (t) => {
  const applied = new Set(results.filter((r) => r.messages.length > 0 || isType(r)).map((r) => r.policy));
  for (const policy of [
    'apigateway-endpoint-type',
    'rds-instance-backup-enabled',
    'rds-instance-public-access',
    'rds-storage-encrypted',
    'cmk-backing-key-rotation-enabled',
  ]) {
    t.true(applied.has(policy), `${policy} matched no resource`);
  }
});

test('awsguard: the policies listed as not applicable match no resource of either stack', (t) => {
  const all = new Set(policies.map((p) => p.name));
  const covered = new Set([
    ...Object.keys(NOT_APPLICABLE),
    ...EXEMPTIONS.map((e) => e.policy),
    'apigateway-endpoint-type',
    'rds-instance-backup-enabled',
    'rds-instance-multi-az-enabled',
    'rds-instance-public-access',
    'rds-storage-encrypted',
    'cmk-backing-key-rotation-enabled',
  ]);
  t.deepEqual(
    [...all].filter((name) => !covered.has(name)),
    [],
    'every awsguard policy is accounted for',
  );
  for (const result of results) {
    if (result.policy in NOT_APPLICABLE)
      t.false(isType(result), `${result.policy} matched ${result.resource.name}`);
  }
  for (const policy of policies.filter((p) => p.validateStack)) t.true(policy.name in NOT_APPLICABLE);
  const types = new Set(runs.flatMap((r) => r.resources.map((x) => x.type)));
  t.false(types.has('aws:acm/certificate:Certificate'));
  t.false(types.has('aws:iam/accessKey:AccessKey'));
});

function isType(result: (typeof results)[number]): boolean {
  const policy = policies.find((p) => p.name === result.policy);
  return [policy?.validateResource ?? []]
    .flat()
    .some((v: { __pulumiType?: string }) => v.__pulumiType === result.resource.type);
}
