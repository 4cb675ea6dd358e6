import test from 'ava';
import {
  albAccessLogs,
  albDeletionProtectionInProduction,
  albNotReachableFromInternet,
  cloudFrontHttpsOnly,
  ecrScanOnPush,
  eksControlPlaneLogging,
  eksEndpointNotOpenInProduction,
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
      'a custom certificate needs minimumProtocolVersion TLSv1.2_2021 | TLSv1.2_2025 | TLSv1.3_2025 (got TLSv1)',
    ],
  );
});

test('CloudFront: newer viewer TLS policies pass; the default certificate fails in production only', (t) => {
  const type = 'aws:cloudfront/distribution:Distribution';
  const base = {
    defaultCacheBehavior: { viewerProtocolPolicy: 'https-only' },
    origins: [],
  };
  for (const minimumProtocolVersion of ['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025']) {
    t.deepEqual(
      passes(cloudFrontHttpsOnly, type, {
        ...base,
        viewerCertificate: {
          acmCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x',
          minimumProtocolVersion,
        },
      }),
      [],
    );
  }
  const defaultCertificate = { ...base, viewerCertificate: { cloudfrontDefaultCertificate: true } };
  t.deepEqual(
    passes(cloudFrontHttpsOnly, type, { ...defaultCertificate, tags: { environment: 'development' } }),
    [],
  );
  t.deepEqual(
    passes(cloudFrontHttpsOnly, type, { ...defaultCertificate, tags: { environment: 'production' } }),
    ['production must serve its own domain and certificate, not *.cloudfront.net (TLS 1.0 allowed)'],
  );
});

test('EKS: a production endpoint open to 0.0.0.0/0 (or public without CIDRs) fails; private or allow-listed passes', (t) => {
  const production = { tags: { environment: 'production' } };
  const rule = eksEndpointNotOpenInProduction;
  t.deepEqual(passes(rule, 'eks:index:Cluster', { ...production, endpointPublicAccess: false }), []);
  t.deepEqual(
    passes(rule, 'eks:index:Cluster', {
      ...production,
      endpointPublicAccess: true,
      publicAccessCidrs: ['203.0.113.0/24'],
    }),
    [],
  );
  const open = ['production EKS API endpoint is open to the internet: make it private or list allowed CIDRs'];
  t.deepEqual(
    passes(rule, 'eks:index:Cluster', {
      ...production,
      endpointPublicAccess: true,
      publicAccessCidrs: ['0.0.0.0/0'],
    }),
    open,
  );
  t.deepEqual(passes(rule, 'eks:index:Cluster', { ...production, endpointPublicAccess: true }), open);
  t.deepEqual(
    passes(rule, 'aws:eks/cluster:Cluster', {
      ...production,
      vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
    }),
    open,
  );
  t.deepEqual(
    passes(rule, 'eks:index:Cluster', {
      tags: { environment: 'development' },
      publicAccessCidrs: ['0.0.0.0/0'],
    }),
    [],
  );
});

test('ALB: access logs on passes; off or without a bucket fails', (t) => {
  const type = 'aws:lb/loadBalancer:LoadBalancer';
  t.deepEqual(passes(albAccessLogs, type, { accessLogs: { enabled: true, bucket: 'logs' } }), []);
  t.deepEqual(passes(albAccessLogs, 'aws:alb/loadBalancer:LoadBalancer', {}), [
    'ALB access logs must be enabled, to an S3 bucket',
  ]);
  t.deepEqual(passes(albAccessLogs, type, { accessLogs: { enabled: false, bucket: 'logs' } }), [
    'ALB access logs must be enabled, to an S3 bucket',
  ]);
  t.deepEqual(passes(albAccessLogs, type, { loadBalancerType: 'network' }), []);
});

test('ALB: production needs deletion protection; development may go without', (t) => {
  const type = 'aws:lb/loadBalancer:LoadBalancer';
  t.deepEqual(
    passes(albDeletionProtectionInProduction, type, {
      tags: { environment: 'production' },
      enableDeletionProtection: true,
    }),
    [],
  );
  t.deepEqual(
    passes(albDeletionProtectionInProduction, type, {
      tags: { environment: 'production' },
      enableDeletionProtection: false,
    }),
    ['production load balancer must enable deletion protection'],
  );
  t.deepEqual(passes(albDeletionProtectionInProduction, type, { tags: { environment: 'development' } }), []);
});

test('ALB: no listener reachable from outside the VPC — internet-facing LBs and internet ingress fail', (t) => {
  const rule = albNotReachableFromInternet;
  t.deepEqual(passes(rule, 'aws:lb/loadBalancer:LoadBalancer', { internal: true }), []);
  t.deepEqual(passes(rule, 'aws:lb/loadBalancer:LoadBalancer', { internal: false }), [
    'load balancer must be internal (its listeners would face the internet)',
  ]);
  t.deepEqual(passes(rule, 'aws:alb/loadBalancer:LoadBalancer', {}), [
    'load balancer must be internal (its listeners would face the internet)',
  ]);
  t.deepEqual(
    passes(rule, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', {
      cidrIpv4: '0.0.0.0/0',
      fromPort: 80,
      toPort: 80,
    }),
    ['security group ingress from 0.0.0.0/0'],
  );
  t.deepEqual(
    passes(rule, 'aws:ec2/securityGroup:SecurityGroup', {
      ingress: [{ ipv6CidrBlocks: ['::/0'], fromPort: 443 }],
    }),
    ['security group ingress from ::/0'],
  );
  t.deepEqual(
    passes(rule, 'aws:ec2/securityGroupRule:SecurityGroupRule', {
      type: 'ingress',
      cidrBlocks: ['0.0.0.0/0'],
    }),
    ['security group ingress from 0.0.0.0/0'],
  );
  t.deepEqual(
    passes(rule, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', {
      referencedSecurityGroupId: 'sg-1',
    }),
    [],
  );
  // Egress to the internet (the CI runner's HTTPS out) is not a way in.
  t.deepEqual(
    passes(rule, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', { cidrIpv4: '0.0.0.0/0' }),
    [],
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
