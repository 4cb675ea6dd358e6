// Who gets into the EKS API, and with what: the deploy roles as cluster admins, the pull-request
// preview roles view-only (they diff the Kubernetes objects; a pull request's code must not be able
// to change the cluster). Both lists come from the stack config.
import test from 'ava';
import { single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const DEPLOY_ROLE = 'arn:aws:iam::123456789012:role/hasrv-deploy-dev';
const PREVIEW_ROLES = [
  'arn:aws:iam::123456789012:role/hasrv-preview-dev',
  'arn:aws:iam::123456789012:role/hasrv-preview-dev-2',
];
const run = await stackRun('dev', {
  'high-available-server:clusterAdminPrincipalArns': JSON.stringify([DEPLOY_ROLE]),
  'high-available-server:clusterViewerPrincipalArns': JSON.stringify(PREVIEW_ROLES),
});
const entries = single(run, 'eks:index:Cluster').inputs.accessEntries as Record<
  string,
  {
    principalArn: string;
    accessPolicies: Record<string, { policyArn: string; accessScope: { type: string } }>;
  }
>;
const policiesOf = (principal: string) =>
  Object.values(entries)
    .filter((entry) => entry.principalArn === principal)
    .flatMap((entry) => Object.values(entry.accessPolicies));

test('dev: the admin principals get cluster admin on the whole cluster', (t) => {
  t.deepEqual(policiesOf(DEPLOY_ROLE), [
    {
      policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      accessScope: { type: 'cluster' },
    },
  ]);
});

test('dev: the viewer principals get AmazonEKSViewPolicy on the whole cluster, and nothing more', (t) => {
  for (const role of PREVIEW_ROLES) {
    t.deepEqual(policiesOf(role), [
      {
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
        accessScope: { type: 'cluster' },
      },
    ]);
  }
  t.is(Object.keys(entries).length, 1 + PREVIEW_ROLES.length, 'one access entry per principal');
});
