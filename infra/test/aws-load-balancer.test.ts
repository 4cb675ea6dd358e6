import { join } from 'node:path';
import test from 'ava';
import { REPO_ROOT } from '../paths.js';
import { shutdownTimings } from '../shutdown.js';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello-prod-pods/0123456789abcdef';
const ORIGIN_SECRET = 'p'.repeat(48);
const app = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs;

test('the ALB is internal, in the private subnets, behind its own security group', (t) => {
  t.like(single(run, 'aws:lb/loadBalancer:LoadBalancer').inputs, {
    internal: true,
    loadBalancerType: 'application',
    securityGroups: ['hello-prod-alb-id'],
    dropInvalidHeaderFields: true,
  });
});

test('pods are registered by IP and health-checked on /readyz', (t) => {
  const targetGroup = single(run, 'aws:lb/targetGroup:TargetGroup').inputs;
  t.like(targetGroup, { targetType: 'ip', port: 8080, protocol: 'HTTP', vpcId: 'vpc-0123' });
  t.like(targetGroup.healthCheck, { path: '/readyz', matcher: '200', protocol: 'HTTP' });
});

test('the deregistration delay covers the pods shutdown timeline, within the grace period', (t) => {
  const targetGroup = single(run, 'aws:lb/targetGroup:TargetGroup').inputs;
  // The timeline is the chart's shutdown block (values-eks.yaml), read by shutdownTimings().
  const { preStopSleepSeconds, delayMs, timeoutMs, terminationGracePeriodSeconds } = shutdownTimings();
  const drain = preStopSleepSeconds + Math.ceil((delayMs + timeoutMs) / 1000);
  t.is(targetGroup.deregistrationDelay, drain);
  t.true(terminationGracePeriodSeconds >= drain + 5);
});

test('the listener answers 403 unless the secret origin header is present', (t) => {
  const listener = single(run, 'aws:lb/listener:Listener').inputs;
  t.deepEqual(listener.defaultActions, [
    {
      type: 'fixed-response',
      fixedResponse: { statusCode: '403', contentType: 'text/plain', messageBody: 'Forbidden' },
    },
  ]);
  const rule = single(run, 'aws:lb/listenerRule:ListenerRule').inputs;
  t.deepEqual(rule.conditions, [
    { httpHeader: { httpHeaderName: 'X-Origin-Verify', values: [ORIGIN_SECRET] } },
  ]);
  t.deepEqual(rule.actions, [{ type: 'forward', targetGroupArn: TARGET_GROUP_ARN }]);
});

test('security groups: VPC Link -> ALB on 80, ALB -> pods on 8080, nothing else', (t) => {
  const ingress = ofType(run, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map(
    (r) => r.inputs,
  );
  t.truthy(
    ingress.find(
      (r) =>
        r.securityGroupId === 'hello-prod-alb-id' &&
        r.referencedSecurityGroupId === 'hello-prod-vpc-link-id' &&
        r.fromPort === 80,
    ),
  );
  t.truthy(
    ingress.find(
      (r) =>
        r.securityGroupId === 'sg-nodes' &&
        r.referencedSecurityGroupId === 'hello-prod-alb-id' &&
        r.fromPort === 8080,
    ),
  );
  t.true(ingress.every((r) => r.cidrIpv4 === undefined && r.cidrIpv6 === undefined));
});

test('the Load Balancer Controller is a pinned Helm release with Pod Identity', (t) => {
  const controller = named(run, 'kubernetes:helm.sh/v3:Release', 'hello-prod-controller').inputs;
  t.like(controller, {
    chart: 'aws-load-balancer-controller',
    version: '1.14.0',
    repositoryOpts: { repo: 'https://aws.github.io/eks-charts' },
    namespace: 'kube-system',
    atomic: true,
  });
  t.like(controller.values, { clusterName: 'hello-prod', region: 'eu-west-1', vpcId: 'vpc-0123' });
  const association = named(
    run,
    'aws:eks/podIdentityAssociation:PodIdentityAssociation',
    'hello-prod-controller',
  ).inputs;
  t.like(association, {
    namespace: 'kube-system',
    serviceAccount: 'aws-load-balancer-controller',
    roleArn: 'arn:aws:iam:eu-west-1:123456789012:hello-prod-controller',
  });
});

test('the controller may (de)register targets of our target group only', (t) => {
  const policy = JSON.parse(named(run, 'aws:iam/policy:Policy', 'hello-prod-controller').inputs.policy);
  const writes = policy.Statement.filter((s: { Resource: string }) => s.Resource !== '*');
  t.deepEqual(writes, [
    {
      Sid: 'RegisterPods',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: TARGET_GROUP_ARN,
    },
  ]);
  const readActions = policy.Statement.filter((s: { Resource: string }) => s.Resource === '*').flatMap(
    (s: { Action: string[] }) => s.Action,
  );
  t.true(readActions.every((action: string) => /:(Describe|Get)/.test(action)));
});

test('the chart binds its pods to the Pulumi-owned target group, with no Ingress', (t) => {
  t.like(app, {
    chart: join(REPO_ROOT, 'packages/chart'),
    namespace: 'hello',
    atomic: true,
  });
  t.regex(app.valueYamlFiles[0].path, /packages\/chart\/values-eks\.yaml$/);
  // values-eks.yaml switches the binding on and the Ingress off; the program adds the ARN.
  t.deepEqual(app.values.targetGroupBinding, { targetGroupArn: TARGET_GROUP_ARN });
});

test('the app namespace injects readiness gates and enforces the restricted Pod Security level', (t) => {
  const namespace = single(run, 'kubernetes:core/v1:Namespace').inputs;
  t.like(namespace.metadata.labels, {
    'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled',
    'pod-security.kubernetes.io/enforce': 'restricted',
  });
});
