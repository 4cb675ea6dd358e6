import test from 'ava';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// A TargetGroupBinding's targetGroupARN cannot change, so a replaced target group gets a new
// binding from the chart. The listener must keep forwarding to the group whose binding serves
// until that Helm release is done, and the new group must be health-checked before then, or the
// pods' readiness gates (true only once the ALB reports them healthy) would never pass.
const run = await stackRun('prod');
const RULE = 'aws:lb/listenerRule:ListenerRule';
const RELEASE = 'kubernetes:helm.sh/v3:Release::hello';
const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello-prod-pods/0123456789abcdef';

test('the rule forwarding CloudFront traffic to the pods depends on the app release', (t) => {
  const forward = named(run, RULE, 'hello-prod-from-cloudfront');
  t.true(forward.dependsOn?.includes(RELEASE), `dependsOn: ${forward.dependsOn?.join(', ')}`);
  t.deepEqual(forward.inputs.actions, [{ type: 'forward', targetGroupArn: TARGET_GROUP_ARN }]);
  t.is(forward.parent, 'high-available-server:aws:LoadBalancer::hello-prod');
});

test('the release waits for the attaching rule only, never for the forwarding one (first install can finish)', (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello');
  t.deepEqual(
    (release.dependsOn ?? []).filter((d) => d.startsWith(`${RULE}::`)),
    [`${RULE}::hello-prod-attach-pods`],
  );
});

test('the target group is attached to the ALB from the start by a rule no request can match', (t) => {
  t.is(single(run, 'aws:lb/targetGroup:TargetGroup').name, 'hello-prod-pods');
  const attach = named(run, RULE, 'hello-prod-attach-pods');
  t.deepEqual(attach.dependsOn ?? [], []);
  t.deepEqual(attach.inputs.actions, [{ type: 'forward', targetGroupArn: TARGET_GROUP_ARN }]);
  // Only a TCP source inside the RFC 5737 documentation range would match: none reaches an internal ALB.
  t.deepEqual(attach.inputs.conditions, [{ sourceIp: { values: ['192.0.2.0/32'] } }]);
  // Evaluated after the forwarding rule, so it can never take a request from it.
  t.true(attach.inputs.priority > named(run, RULE, 'hello-prod-from-cloudfront').inputs.priority);
  t.is(ofType(run, RULE).length, 2);
});
