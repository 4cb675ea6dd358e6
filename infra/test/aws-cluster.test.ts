import test from 'ava';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const cluster = single(run, 'eks:index:Cluster').inputs;

test('EKS runs a pinned Kubernetes version of at least 1.33 on standard support', (t) => {
  t.regex(cluster.version, /^1\.\d+$/);
  t.true(Number(cluster.version.split('.')[1]) >= 33);
  t.deepEqual(cluster.upgradePolicy, { supportType: 'STANDARD' });
});

test('the prod API endpoint is private only (production refuses 0.0.0.0/0)', (t) => {
  t.true(cluster.endpointPrivateAccess);
  t.false(cluster.endpointPublicAccess);
  t.is(cluster.publicAccessCidrs, undefined);
  t.is(cluster.authenticationMode, 'API');
  t.deepEqual(cluster.accessEntries, {});
});

test('all control-plane log types go to CloudWatch', (t) => {
  t.deepEqual([...cluster.enabledClusterLogTypes].sort(), [
    'api',
    'audit',
    'authenticator',
    'controllerManager',
    'scheduler',
  ]);
});

test('secrets are envelope-encrypted with a rotating KMS key', (t) => {
  const key = named(run, 'aws:kms/key:Key', 'hello-prod-secrets').inputs;
  t.true(key.enableKeyRotation);
  t.is(cluster.encryptionConfigKeyArn, 'arn:aws:kms:eu-west-1:123456789012:hello-prod-secrets');
});

test('nodes are a managed node group with IMDSv2 required and encrypted root volumes', (t) => {
  t.true(cluster.skipDefaultNodeGroup);
  t.false(cluster.nodeAssociatePublicIpAddress);
  const template = single(run, 'aws:ec2/launchTemplate:LaunchTemplate').inputs;
  t.like(template.metadataOptions, {
    httpTokens: 'required',
    httpPutResponseHopLimit: 1,
    httpEndpoint: 'enabled',
  });
  t.like(template.blockDeviceMappings[0].ebs, { encrypted: 'true', volumeType: 'gp3' });
  t.deepEqual(template.vpcSecurityGroupIds, ['sg-nodes']);
  const nodes = single(run, 'eks:index:ManagedNodeGroup').inputs;
  t.deepEqual(nodes.launchTemplate, { id: 'hello-prod-nodes-id', version: '1' });
  t.is(nodes.operatingSystem, 'AL2023');
});

test('EBS encryption by default is on', (t) => {
  t.true(single(run, 'aws:ebs/encryptionByDefault:EncryptionByDefault').inputs.enabled);
});

test('Pod Identity agent and the VPC CNI (network policies enforced) run as add-ons', (t) => {
  const addons = Object.fromEntries(
    ofType(run, 'aws:eks/addon:Addon').map((a) => [a.inputs.addonName, a.inputs]),
  );
  t.truthy(addons['eks-pod-identity-agent']);
  t.deepEqual(JSON.parse(addons['vpc-cni'].configurationValues), { enableNetworkPolicy: 'true' });
  t.false(cluster.createOidcProvider);
});
