import test from 'ava';
import { addressPlan } from '../address-plan.js';
import { named, ofType, single } from './support/run-stack.js';
import { stackFileConfig } from './support/stack-config.js';
import { stackRun } from './support/stack-runs.js';

const [run, dev] = await Promise.all([stackRun('prod'), stackRun('dev')]);
const PRIVATE = ['subnet-private-0', 'subnet-private-1', 'subnet-private-2'];
const ISOLATED = ['subnet-isolated-0', 'subnet-isolated-1', 'subnet-isolated-2'];

test('the VPC spans three AZs with public, private and isolated subnets', (t) => {
  const vpc = single(run, 'awsx:ec2:Vpc').inputs;
  t.is(vpc.numberOfAvailabilityZones, 3);
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
  t.deepEqual(
    ofType(run, 'eks:index:ManagedNodeGroup').flatMap((group) => group.inputs.subnetIds),
    PRIVATE,
  );
  t.deepEqual(single(run, 'aws:lb/loadBalancer:LoadBalancer').inputs.subnets, PRIVATE);
  t.deepEqual(single(run, 'aws:apigatewayv2/vpcLink:VpcLink').inputs.subnetIds, PRIVATE);
  t.deepEqual(single(run, 'aws:rds/subnetGroup:SubnetGroup').inputs.subnetIds, ISOLATED);
  t.is(
    named(run, 'aws:rds/instance:Instance', 'hello-prod-postgres').inputs.dbSubnetGroupName,
    'hello-prod-isolated',
  );
});

for (const [stack, stackRunResult] of [
  ['dev', dev],
  ['prod', run],
] as const) {
  test(`${stack}: the VPC gets exactly the address plan's CIDRs, in AZ order, and awsx allocates none`, (t) => {
    const vpc = single(stackRunResult, 'awsx:ec2:Vpc').inputs;
    const plan = addressPlan(stackFileConfig(stack)['high-available-server:vpcCidr'] ?? '');
    t.is(vpc.cidrBlock, stackFileConfig(stack)['high-available-server:vpcCidr']);
    const blocks = Object.fromEntries(
      vpc.subnetSpecs.map((spec: { type: string; cidrBlocks: string[] }) => [spec.type, spec.cidrBlocks]),
    );
    t.deepEqual(blocks, { Public: plan.public, Private: plan.private, Isolated: plan.isolated });
    // A spec without cidrBlocks (or with a cidrMask) would bring awsx's own allocator back.
    t.true(
      vpc.subnetSpecs.every((spec: { cidrMask?: number; size?: number }) => !spec.cidrMask && !spec.size),
    );
    t.is(vpc.availabilityZoneCidrMask, undefined);
  });
}
