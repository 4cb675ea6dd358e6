import test from 'ava';
import {
  cloudFrontHttpsOnly,
  ecrScanOnPush,
  eksControlPlaneLogging,
  noPublicDatabaseIngress,
  rdsPrivateAndEncrypted,
  type SecurityRule,
  violations,
} from '../policy/rules.js';

const passes = (rule: SecurityRule, type: string, props: Record<string, unknown>) => rule.check(type, props);

test('RDS: private and encrypted passes; public or unencrypted is reported', (t) => {
  const type = 'aws:rds/instance:Instance';
  t.deepEqual(
    passes(rdsPrivateAndEncrypted, type, { publiclyAccessible: false, storageEncrypted: true }),
    [],
  );
  t.deepEqual(passes(rdsPrivateAndEncrypted, type, { publiclyAccessible: true, storageEncrypted: false }), [
    'RDS instance must not be publicly accessible',
    'RDS instance must set storageEncrypted: true',
  ]);
});

test('security groups: DB port from a security group passes; from anywhere is reported', (t) => {
  const rule = noPublicDatabaseIngress;
  const standalone = 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule';
  t.deepEqual(
    passes(rule, standalone, {
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: 'sg-1',
    }),
    [],
  );
  t.deepEqual(
    passes(rule, standalone, { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }),
    [],
  );
  t.deepEqual(
    passes(rule, standalone, { ipProtocol: 'tcp', fromPort: 5000, toPort: 6000, cidrIpv4: '0.0.0.0/0' }),
    ['ingress from 0.0.0.0/0 reaches database port 5432'],
  );
  t.deepEqual(passes(rule, standalone, { ipProtocol: '-1', cidrIpv6: '::/0' }), [
    'ingress from ::/0 reaches database port 5432',
  ]);
  const inline = 'aws:ec2/securityGroup:SecurityGroup';
  t.deepEqual(
    passes(rule, inline, {
      ingress: [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrBlocks: ['0.0.0.0/0'] }],
    }),
    ['ingress from 0.0.0.0/0 reaches database port 3306'],
  );
  t.deepEqual(
    passes(rule, inline, {
      ingress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrBlocks: ['10.0.0.0/16'] }],
    }),
    [],
  );
  const legacy = 'aws:ec2/securityGroupRule:SecurityGroupRule';
  t.deepEqual(
    passes(rule, legacy, {
      type: 'ingress',
      protocol: 'tcp',
      fromPort: 6379,
      toPort: 6379,
      cidrBlocks: ['0.0.0.0/0'],
    }),
    ['ingress from 0.0.0.0/0 reaches database port 6379'],
  );
});

test('CloudFront: HTTPS to viewers and origin passes; plain HTTP or old TLS is reported', (t) => {
  const type = 'aws:cloudfront/distribution:Distribution';
  const compliant = {
    defaultCacheBehavior: { viewerProtocolPolicy: 'redirect-to-https' },
    origins: [
      {
        originId: 'api',
        customOriginConfig: { originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] },
      },
    ],
    viewerCertificate: { cloudfrontDefaultCertificate: true },
  };
  t.deepEqual(passes(cloudFrontHttpsOnly, type, compliant), []);
  t.deepEqual(
    passes(cloudFrontHttpsOnly, type, {
      defaultCacheBehavior: { viewerProtocolPolicy: 'allow-all' },
      origins: [
        {
          originId: 'api',
          customOriginConfig: { originProtocolPolicy: 'match-viewer', originSslProtocols: ['TLSv1'] },
        },
      ],
      viewerCertificate: {
        acmCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x',
        minimumProtocolVersion: 'TLSv1',
      },
    }),
    [
      "viewerProtocolPolicy 'allow-all' lets viewers use plain HTTP",
      'origin api must use originProtocolPolicy https-only',
      'origin api allows TLSv1',
      'a custom certificate needs minimumProtocolVersion TLSv1.2_2021',
    ],
  );
});

test('ECR: scan on push with immutable tags passes; otherwise reported', (t) => {
  const type = 'aws:ecr/repository:Repository';
  t.deepEqual(
    passes(ecrScanOnPush, type, {
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: 'IMMUTABLE',
    }),
    [],
  );
  t.deepEqual(passes(ecrScanOnPush, type, { imageTagMutability: 'MUTABLE' }), [
    'ECR repository must scan on push',
    'ECR repository must use IMMUTABLE tags',
  ]);
});

test('EKS: all control-plane logs pass; missing ones are named', (t) => {
  const all = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
  t.deepEqual(passes(eksControlPlaneLogging, 'eks:index:Cluster', { enabledClusterLogTypes: all }), []);
  t.deepEqual(
    passes(eksControlPlaneLogging, 'aws:eks/cluster:Cluster', { enabledClusterLogTypes: ['api'] }),
    ['EKS control-plane logs missing: audit, authenticator, controllerManager, scheduler'],
  );
});

test('rules ignore resource types they do not govern, and violations name their rule', (t) => {
  t.deepEqual(violations('aws:s3/bucket:Bucket', { publiclyAccessible: true }), []);
  t.deepEqual(
    violations('aws:ecr/repository:Repository', { imageScanningConfiguration: { scanOnPush: true } }),
    ['ecr-scan-on-push-immutable: ECR repository must use IMMUTABLE tags'],
  );
});
