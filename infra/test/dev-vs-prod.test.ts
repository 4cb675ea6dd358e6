import test from 'ava';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const [dev, prod] = await Promise.all([stackRun('dev'), stackRun('prod')]);
const inputs = (run: typeof dev, type: string) => single(run, type).inputs;

test('prod has a NAT gateway per AZ, dev a single one', (t) => {
  t.deepEqual(inputs(prod, 'awsx:ec2:Vpc').natGateways, { strategy: 'OnePerAz' });
  t.deepEqual(inputs(dev, 'awsx:ec2:Vpc').natGateways, { strategy: 'Single' });
});

test('prod runs bigger and more nodes', (t) => {
  const devNodes = inputs(dev, 'eks:index:ManagedNodeGroup');
  const prodNodes = inputs(prod, 'eks:index:ManagedNodeGroup');
  t.deepEqual(devNodes.instanceTypes, ['t3.medium']);
  t.deepEqual(prodNodes.instanceTypes, ['m6i.large']);
  t.deepEqual(prodNodes.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 6 });
  t.deepEqual(devNodes.scalingConfig, { minSize: 2, desiredSize: 2, maxSize: 3 });
});

test('prod database is Multi-AZ, protected, with Performance Insights and log exports; dev is not', (t) => {
  const devDb = inputs(dev, 'aws:rds/instance:Instance');
  const prodDb = inputs(prod, 'aws:rds/instance:Instance');
  t.like(prodDb, {
    instanceClass: 'db.m7g.large',
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: 'hello-prod-db-final',
    performanceInsightsEnabled: true,
    enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
  });
  t.like(devDb, {
    instanceClass: 'db.t4g.micro',
    multiAz: false,
    deletionProtection: false,
    skipFinalSnapshot: true,
    performanceInsightsEnabled: false,
    enabledCloudwatchLogsExports: [],
  });
  t.true(Number(prodDb.backupRetentionPeriod) >= Number(devDb.backupRetentionPeriod));
});

test('prod puts a WAF in front of CloudFront, dev does not', (t) => {
  const cloudFrontAcls = (run: typeof prod) =>
    ofType(run, 'aws:wafv2/webAcl:WebAcl').filter((acl) => acl.inputs.scope === 'CLOUDFRONT');
  t.is(cloudFrontAcls(prod).length, 1);
  t.truthy(inputs(prod, 'aws:cloudfront/distribution:Distribution').webAclId);
  t.is(cloudFrontAcls(dev).length, 0);
  t.is(inputs(dev, 'aws:cloudfront/distribution:Distribution').webAclId, undefined);
});

test('prod ALB and ECR are protected from deletion, dev tears down cleanly', (t) => {
  t.is(inputs(prod, 'aws:lb/loadBalancer:LoadBalancer').enableDeletionProtection, true);
  t.is(inputs(dev, 'aws:lb/loadBalancer:LoadBalancer').enableDeletionProtection, false);
  t.is(inputs(prod, 'aws:ecr/repository:Repository').forceDelete, false);
  t.is(inputs(dev, 'aws:ecr/repository:Repository').forceDelete, true);
});

test('both stacks run the same pinned Kubernetes version and the same chart values file', (t) => {
  t.is(inputs(dev, 'eks:index:Cluster').version, inputs(prod, 'eks:index:Cluster').version);
  // The replica count lives in that file (app-release.test.ts renders it).
  const valuesFiles = [dev, prod].map((run) =>
    named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.valueYamlFiles.map(
      (a: { path: string }) => a.path,
    ),
  );
  t.deepEqual(valuesFiles[0], valuesFiles[1]);
});
