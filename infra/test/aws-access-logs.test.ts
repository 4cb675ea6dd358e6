import test from 'ava';
import { logBucketPolicy } from '../components/log-bucket.js';
import { named, ofType, type StackRun, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const [dev, prod] = await Promise.all([stackRun('dev'), stackRun('prod')]);
const RETENTION = { dev: 14, prod: 90 } as const;

/** Every S3 bucket of the run with the settings attached to it, by bucket resource name. */
function buckets(run: StackRun) {
  return ofType(run, 'aws:s3/bucket:Bucket').map((bucket) => {
    const of = (type: string) => named(run, type, bucket.name).inputs;
    return {
      name: bucket.name,
      bucket: bucket.inputs,
      provider: bucket.provider,
      publicAccess: of('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock'),
      ownership: of('aws:s3/bucketOwnershipControls:BucketOwnershipControls'),
      encryption: of(
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      ),
      lifecycle: of('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration'),
      policy: JSON.parse(of('aws:s3/bucketPolicy:BucketPolicy').policy),
    };
  });
}

for (const run of [dev, prod]) {
  const stack = run.stack as 'dev' | 'prod';
  test(`${stack}: every log bucket is private, SSE-S3 encrypted, TLS-only and expires logs after the stack's retention`, (t) => {
    const all = buckets(run);
    t.deepEqual(
      all.map((b) => b.name).sort(),
      [
        `hello-${stack}-alb-logs`,
        `hello-${stack}-cdn-logs`,
        `hello-${stack}-origin-waf-logs`,
        ...(stack === 'prod' ? [`hello-${stack}-waf-logs`] : []),
      ].sort(),
    );
    for (const b of all) {
      t.like(b.publicAccess, {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      t.is(b.ownership.rule.objectOwnership, 'BucketOwnerEnforced');
      t.is(b.encryption.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, 'AES256');
      t.like(b.lifecycle.rules[0], { status: 'Enabled', expiration: { days: RETENTION[stack] } });
      t.like(b.policy.Statement[0], {
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      t.is(b.bucket.forceDestroy, stack === 'dev', 'dev empties its log buckets on destroy; prod keeps them');
    }
  });

  test(`${stack}: the ALB writes access logs to its bucket, which only ELB log delivery may write`, (t) => {
    const alb = single(run, 'aws:lb/loadBalancer:LoadBalancer');
    t.like(alb.inputs.accessLogs, { enabled: true, prefix: 'alb' });
    t.regex(alb.inputs.accessLogs.bucket, new RegExp(`^hello-${stack}-alb-logs-`));
    t.true(alb.dependsOn?.includes(`high-available-server:aws:LogBucket::hello-${stack}-alb-logs`));
    const policy = buckets(run).find((b) => b.name === `hello-${stack}-alb-logs`)?.policy;
    const writers = policy.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');
    t.deepEqual(
      writers.map((s: { Principal: object }) => s.Principal),
      [
        { AWS: 'arn:aws:iam::156460612806:root' },
        { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
      ],
    );
    for (const s of writers) {
      t.is(s.Action, 's3:PutObject');
      t.regex(s.Resource, /\/alb\/AWSLogs\/123456789012\/\*$/);
    }
  });

  test(`${stack}: CloudFront logs every request (standard logging v2) to S3 in us-east-1`, (t) => {
    const usEast1 = /pulumi:providers:aws::hello-\w+-us-east-1::/;
    const source = single(run, 'aws:cloudwatch/logDeliverySource:LogDeliverySource');
    t.like(source.inputs, {
      logType: 'ACCESS_LOGS',
      resourceArn: `arn:aws:cloudfront:eu-west-1:123456789012:hello-${stack}-cdn`,
    });
    t.regex(source.provider ?? '', usEast1);
    const destination = single(run, 'aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination');
    t.regex(
      destination.inputs.deliveryDestinationConfiguration.destinationResourceArn,
      new RegExp(`^arn:aws:s3:::hello-${stack}-cdn-logs-`),
    );
    t.like(single(run, 'aws:cloudwatch/logDelivery:LogDelivery').inputs, {
      deliverySourceName: `hello-${stack}-cdn`,
    });
    const bucket = buckets(run).find((b) => b.name === `hello-${stack}-cdn-logs`);
    t.regex(bucket?.provider ?? '', usEast1);
  });
}

test('prod: the CloudFront WAF logs to an aws-waf-logs- bucket in us-east-1, without cookies or auth headers', (t) => {
  const logging = named(
    prod,
    'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration',
    'hello-prod-waf',
  );
  t.is(logging.inputs.resourceArn, 'arn:aws:wafv2:eu-west-1:123456789012:hello-prod-waf');
  t.regex(logging.inputs.logDestinationConfigs[0], /^arn:aws:s3:::aws-waf-logs-hello-prod-cdn-/);
  t.regex(logging.provider ?? '', /hello-prod-us-east-1/);
  t.deepEqual(logging.inputs.redactedFields, [
    { singleHeader: { name: 'authorization' } },
    { singleHeader: { name: 'cookie' } },
  ]);
});

test('every WAF log bucket name starts with aws-waf-logs- (WAF refuses any other)', (t) => {
  for (const r of [dev, prod]) {
    const destinations = ofType(r, 'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration').flatMap(
      (l) => l.inputs.logDestinationConfigs as string[],
    );
    t.true(destinations.length > 0);
    for (const arn of destinations) t.regex(arn, /^arn:aws:s3:::aws-waf-logs-/);
  }
});

test('vended-log buckets admit writes only from log delivery for this account', (t) => {
  const policy = logBucketPolicy('arn:aws:s3:::b', '111122223333', { kind: 'vended' }, '') as {
    Statement: { Sid: string; Condition?: Record<string, Record<string, string>> }[];
  };
  const write = policy.Statement.find((s) => s.Sid === 'LogDeliveryWrite');
  t.deepEqual(write?.Condition, {
    StringEquals: { 'aws:SourceAccount': '111122223333', 's3:x-amz-acl': 'bucket-owner-full-control' },
    ArnLike: { 'aws:SourceArn': 'arn:aws:logs:*:111122223333:*' },
  });
});

test('the EKS control-plane log group exists before the cluster, with the stack retention', (t) => {
  for (const r of [dev, prod]) {
    const group = named(r, 'aws:cloudwatch/logGroup:LogGroup', `hello-${r.stack}-control-plane`);
    t.deepEqual(group.inputs.name, `/aws/eks/hello-${r.stack}/cluster`);
    t.is(group.inputs.retentionInDays, RETENTION[r.stack as 'dev' | 'prod']);
    t.true(
      single(r, 'eks:index:Cluster').dependsOn?.includes(
        `aws:cloudwatch/logGroup:LogGroup::hello-${r.stack}-control-plane`,
      ),
    );
  }
});
