import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** Who writes into the bucket; each gets exactly the write its AWS documentation asks for. */
export type LogWriter =
  /** ALB access logs: the regional ELB account and the log-delivery service principal. */
  | { kind: 'alb'; prefix: string }
  /** Vended logs (WAF to S3, CloudFront standard logging v2): delivery.logs.amazonaws.com. */
  | { kind: 'vended' };

export interface LogBucketArgs {
  /** Fixed start of the bucket name (AWS appends a unique suffix); WAF needs `aws-waf-logs-`. */
  namePrefix: string;
  writer: LogWriter;
  /** Objects older than this are deleted (the stack's log retention). */
  retentionDays: number;
  /** Emptied on destroy (dev); prod keeps the bucket and its logs when a destroy is attempted. */
  forceDestroy: boolean;
  tags: Record<string, string>;
}

/**
 * A private, encrypted, lifecycle-managed S3 bucket that AWS services deliver logs into:
 * public access blocked, ACLs disabled (bucket owner owns every object), SSE-S3 (the only
 * encryption ALB access logs accept, kept for all log buckets so one policy reads them all),
 * TLS-only access, objects expired after the stack's retention, and a bucket policy that lets
 * only the one delivering service write, only for this account.
 */
export class LogBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:LogBucket', name, {}, opts);
    const parent = { parent: this };

    const bucket = new aws.s3.Bucket(
      name,
      { bucketPrefix: args.namePrefix, forceDestroy: args.forceDestroy, tags: args.tags },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      name,
      { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [
          {
            id: 'expire-logs',
            status: 'Enabled',
            filter: {},
            expiration: { days: args.retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    // The ELB account of the bucket's region (the provider's): only asked for when ALB writes.
    const elbAccountArn = args.writer.kind === 'alb' ? aws.elb.getServiceAccountOutput({}, parent).arn : '';
    new aws.s3.BucketPolicy(
      name,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, accountId, elbAccountArn])
          .apply(([arn, accountId, elbAccountArn]) =>
            JSON.stringify(logBucketPolicy(arn, accountId, args.writer, elbAccountArn)),
          ),
      },
      // S3 refuses a policy naming a principal while the public access block is being set.
      { parent: this, dependsOn: [publicAccess] },
    );

    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}

/** The bucket policy: TLS only, and writes by the delivering service for this account only. */
export function logBucketPolicy(
  bucketArn: string,
  accountId: string,
  writer: LogWriter,
  elbAccountArn: string,
): object {
  const denyPlainHttp = {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
  if (writer.kind === 'alb') {
    const logs = `${bucketArn}/${writer.prefix}/AWSLogs/${accountId}/*`;
    return {
      Version: '2012-10-17',
      Statement: [
        denyPlainHttp,
        // Regions opened before August 2022 deliver as the regional ELB account; newer ones
        // as the log-delivery service. Both are named, so the bucket works in any region.
        {
          Sid: 'AlbAccessLogsRegionalAccount',
          Effect: 'Allow',
          Principal: { AWS: elbAccountArn },
          Action: 's3:PutObject',
          Resource: logs,
        },
        {
          Sid: 'AlbAccessLogsDeliveryService',
          Effect: 'Allow',
          Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: logs,
        },
      ],
    };
  }
  const fromThisAccount = {
    StringEquals: { 'aws:SourceAccount': accountId },
    ArnLike: { 'aws:SourceArn': `arn:aws:logs:*:${accountId}:*` },
  };
  return {
    Version: '2012-10-17',
    Statement: [
      denyPlainHttp,
      {
        Sid: 'LogDeliveryWrite',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `${bucketArn}/*`,
        Condition: {
          ...fromThisAccount,
          StringEquals: { ...fromThisAccount.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      },
      {
        Sid: 'LogDeliveryAclCheck',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: 's3:GetBucketAcl',
        Resource: bucketArn,
        Condition: fromThisAccount,
      },
    ],
  };
}
