import type { ChartInput } from './helm.js';

export const targetGroupArn =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello/0123456789abcdef';
export const albSecurityGroupId = 'sg-0123456789abcdef0';
export const digest = `sha256:${'ab'.repeat(32)}`;

/**
 * values-eks.yaml plus the values the Pulumi program adds (the file alone lacks the target group and
 * the database). The program leaves securityGroupId unset: it owns the ALB → pod security-group rule.
 */
export const eks: ChartInput = {
  valuesFiles: ['values-eks.yaml'],
  set: {
    'targetGroupBinding.targetGroupArn': targetGroupArn,
    'database.url': 'postgres://hello.c0abc.eu-west-1.rds.amazonaws.com:5432/hello?sslmode=verify-full',
    'database.credentials.appSecret': 'hello-database-app',
    'database.credentials.ownerSecret': 'hello-database-owner',
  },
};

export const minikube: ChartInput = { valuesFiles: ['values-minikube.yaml'] };

/** Every optional object switched on, to check them all at once. */
export const everything: ChartInput = {
  set: {
    'autoscaling.enabled': true,
    'networkPolicy.enabled': true,
    'ingress.enabled': true,
    'serviceMonitor.enabled': true,
    'observability.grafanaDashboard.enabled': true,
    'targetGroupBinding.enabled': true,
    'targetGroupBinding.targetGroupArn': targetGroupArn,
    'targetGroupBinding.securityGroupId': albSecurityGroupId,
    'database.caBundle.configMapName': 'rds-ca',
    'database.url': 'postgres://db.example:5432/hello',
    'database.credentials.appSecret': 'hello-database-app',
    'database.credentials.ownerSecret': 'hello-database-owner',
    'migrations.enabled': true,
    'tracing.otlpEndpoint': 'http://otel-collector.observability:4318',
  },
};

/** The inputs the chart is shipped with, by name, for tests that must hold for all of them. */
export const shippedInputs: Record<string, ChartInput> = {
  'values.yaml': {},
  'values-minikube.yaml': minikube,
  'values-eks.yaml': eks,
  'everything on': everything,
};
