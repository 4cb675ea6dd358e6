import test from 'ava';
import { albSecurityGroupId, eks, everything, targetGroupArn } from './helpers/fixtures.js';
import { fullname, loadHelm } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';

const helm = await loadHelm();

test('the TargetGroupBinding binds the Service to the Pulumi-owned target group with ip targets', async (t) => {
  const manifests = await helm.render(eks);
  const binding = only(manifests, 'TargetGroupBinding');
  t.is(binding.apiVersion, 'elbv2.k8s.aws/v1beta1');
  t.is(binding.spec.targetGroupARN, targetGroupArn);
  t.is(binding.spec.targetType, 'ip');
  const service = only(manifests, 'Service');
  t.deepEqual(binding.spec.serviceRef, { name: service.metadata.name, port: service.spec.ports[0].port });
});

test('a new target group ARN renders a new binding name, so Helm replaces the immutable binding', async (t) => {
  const bindingName = async (arn: string, fullnameOverride = '') =>
    only(
      await helm.render({
        ...eks,
        set: { ...eks.set, 'targetGroupBinding.targetGroupArn': arn, fullnameOverride },
      }),
      'TargetGroupBinding',
    ).metadata.name;
  const replacement = targetGroupArn.replace(/\/[0-9a-f]+$/, '/fedcba9876543210');
  const [first, again, replaced] = await Promise.all([
    bindingName(targetGroupArn),
    bindingName(targetGroupArn),
    bindingName(replacement),
  ]);
  t.is(first, again, 'the same target group keeps its binding (no churn on every upgrade)');
  t.not(first, replaced);
  t.true(first.startsWith(`${fullname}-`));
  // A long release name still gives a valid object name with the hash kept.
  const long = await bindingName(targetGroupArn, 'x'.repeat(63));
  t.true(long.length <= 63);
  t.is(long.slice(-9), first.slice(-9));
});

test('given the ALB security group, the binding opens the pod port to it', async (t) => {
  const manifests = await helm.render(everything);
  const containerPort = serverContainer(manifests).ports[0].containerPort;
  t.deepEqual(only(manifests, 'TargetGroupBinding').spec.networking, {
    ingress: [
      {
        from: [{ securityGroup: { groupID: albSecurityGroupId } }],
        ports: [{ port: containerPort, protocol: 'TCP' }],
      },
    ],
  });
});

test('without a security group the binding leaves networking to the program', async (t) => {
  const binding = only(
    await helm.render({
      set: { 'targetGroupBinding.enabled': true, 'targetGroupBinding.targetGroupArn': targetGroupArn },
    }),
    'TargetGroupBinding',
  );
  t.is(binding.spec.networking, undefined);
  // The EKS stacks run this way: Pulumi owns the ALB → pod rule.
  t.is(only(await helm.render(eks), 'TargetGroupBinding').spec.networking, undefined);
});

test('a binding without a target group ARN fails, including values-eks.yaml without it', async (t) => {
  t.regex(
    await helm.renderError({ set: { 'targetGroupBinding.enabled': true } }),
    /needs targetGroupBinding\.targetGroupArn/,
  );
  const { 'targetGroupBinding.targetGroupArn': _, ...withoutArn } = eks.set ?? {};
  t.regex(await helm.renderError({ ...eks, set: withoutArn }), /needs targetGroupBinding\.targetGroupArn/);
});

test('the Ingress targets an internal ALB with ip targets and health checks on /readyz', async (t) => {
  const ingress = only(await helm.render({ set: { 'ingress.enabled': true } }), 'Ingress');
  const annotations = ingress.metadata.annotations ?? {};
  t.is(ingress.spec.ingressClassName, 'alb');
  t.is(annotations['alb.ingress.kubernetes.io/scheme'], 'internal');
  t.is(annotations['alb.ingress.kubernetes.io/target-type'], 'ip');
  t.is(annotations['alb.ingress.kubernetes.io/healthcheck-path'], '/readyz');
  t.is(annotations['alb.ingress.kubernetes.io/load-balancer-attributes'], 'idle_timeout.timeout_seconds=60');
  const backend = ingress.spec.rules[0].http.paths[0].backend.service;
  t.deepEqual(backend, { name: fullname, port: { name: 'http' } });
});

test('the Ingress ALB keeps a deregistered target until the pod has surely stopped serving', async (t) => {
  const deregistrationDelay = async (set: Record<string, number | boolean>) => {
    const ingress = only(await helm.render({ set: { 'ingress.enabled': true, ...set } }), 'Ingress');
    const attributes =
      ingress.metadata.annotations?.['alb.ingress.kubernetes.io/target-group-attributes'] ?? '';
    return Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(attributes)?.[1]);
  };
  // preStop 125 s + delay 5 s + drain 15 s, from the shutdown block: no second number to keep in step.
  t.is(await deregistrationDelay({}), 145);
  t.is(
    await deregistrationDelay({
      'shutdown.timeoutMs': 30_500,
      'shutdown.terminationGracePeriodSeconds': 170,
    }),
    161,
  );
});

test('ingress settings come from values', async (t) => {
  const ingress = only(
    await helm.render({
      set: {
        'ingress.enabled': true,
        'ingress.scheme': 'internet-facing',
        'ingress.host': 'hello.example.com',
      },
      setString: {
        'ingress.annotations.alb\\.ingress\\.kubernetes\\.io/certificate-arn':
          'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      },
    }),
    'Ingress',
  );
  t.is(ingress.metadata.annotations?.['alb.ingress.kubernetes.io/scheme'], 'internet-facing');
  t.is(ingress.spec.rules[0].host, 'hello.example.com');
  t.is(
    ingress.metadata.annotations?.['alb.ingress.kubernetes.io/certificate-arn'],
    'arn:aws:acm:eu-west-1:123456789012:certificate/x',
  );
});
