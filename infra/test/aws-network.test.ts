import test from 'ava';
import { named, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const PRIVATE = ['subnet-private-0', 'subnet-private-1', 'subnet-private-2'];
const ISOLATED = ['subnet-isolated-0', 'subnet-isolated-1', 'subnet-isolated-2'];

test('the VPC spans three AZs with public, private and isolated subnets', (t) => {
  const vpc = single(run, 'awsx:ec2:Vpc').inputs;
  t.is(vpc.numberOfAvailabilityZones, 3);
  t.is(vpc.subnetStrategy, 'Auto');
  t.is(vpc.cidrBlock, '10.20.0.0/16');
  t.true(vpc.enableDnsHostnames);
  t.deepEqual(
    vpc.subnetSpecs.map((spec: { type: string }) => spec.type),
    ['Public', 'Private', 'Isolated'],
  );
});

test('private subnets are tagged for internal load balancers, public ones for internet-facing', (t) => {
  const specs = single(run, 'awsx:ec2:Vpc').inputs.subnetSpecs as { type: string; tags?: object }[];
  t.like(specs.find((s) => s.type === 'Private')?.tags, { 'kubernetes.io/role/internal-elb': '1' });
  t.like(specs.find((s) => s.type === 'Public')?.tags, { 'kubernetes.io/role/elb': '1' });
});

test('nodes, ALB and VPC Link live in the private subnets, the database in the isolated ones', (t) => {
  t.deepEqual(single(run, 'eks:index:Cluster').inputs.privateSubnetIds, PRIVATE);
  t.deepEqual(single(run, 'eks:index:ManagedNodeGroup').inputs.subnetIds, PRIVATE);
  t.deepEqual(single(run, 'aws:lb/loadBalancer:LoadBalancer').inputs.subnets, PRIVATE);
  t.deepEqual(single(run, 'aws:apigatewayv2/vpcLink:VpcLink').inputs.subnetIds, PRIVATE);
  t.deepEqual(single(run, 'aws:rds/subnetGroup:SubnetGroup').inputs.subnetIds, ISOLATED);
  t.is(
    named(run, 'aws:rds/instance:Instance', 'hello-prod-postgres').inputs.dbSubnetGroupName,
    'hello-prod-isolated',
  );
});
