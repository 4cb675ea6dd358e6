import test from 'ava';
import { ALL_VIEWER_EXCEPT_HOST_ID, CACHING_DISABLED_ID } from './support/mocks.js';
import { named, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const distribution = single(run, 'aws:cloudfront/distribution:Distribution').inputs;
const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/hello-prod-http/0123456789abcdef/fedcba9876543210';

test('API Gateway proxies everything through the VPC Link to the ALB listener', (t) => {
  t.deepEqual(single(run, 'aws:apigatewayv2/vpcLink:VpcLink').inputs.securityGroupIds, [
    'hello-prod-vpc-link-id',
  ]);
  t.like(single(run, 'aws:apigatewayv2/api:Api').inputs, { protocolType: 'HTTP' });
  t.like(single(run, 'aws:apigatewayv2/integration:Integration').inputs, {
    integrationType: 'HTTP_PROXY',
    connectionType: 'VPC_LINK',
    connectionId: 'hello-prod-vpc-link-id',
    integrationUri: LISTENER_ARN,
  });
  t.like(single(run, 'aws:apigatewayv2/route:Route').inputs, {
    routeKey: '$default',
    target: 'integrations/hello-prod-alb-id',
  });
});

test('the $default stage logs JSON access logs and throttles', (t) => {
  const stage = single(run, 'aws:apigatewayv2/stage:Stage').inputs;
  t.like(stage, { name: '$default', autoDeploy: true });
  t.is(
    stage.accessLogSettings.destinationArn,
    'arn:aws:cloudwatch:eu-west-1:123456789012:hello-prod-api-access',
  );
  t.like(JSON.parse(stage.accessLogSettings.format), {
    requestId: '$context.requestId',
    status: '$context.status',
  });
  t.like(stage.defaultRouteSettings, { throttlingBurstLimit: 500, throttlingRateLimit: 200 });
  t.is(named(run, 'aws:cloudwatch/logGroup:LogGroup', 'hello-prod-api-access').inputs.retentionInDays, 90);
});

test('CloudFront is HTTPS-only to viewers and to the API Gateway origin', (t) => {
  const [origin] = distribution.origins;
  t.is(origin.domainName, 'abc123.execute-api.eu-west-1.amazonaws.com');
  t.like(origin.customOriginConfig, { originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] });
  t.is(distribution.defaultCacheBehavior.viewerProtocolPolicy, 'redirect-to-https');
  t.deepEqual(distribution.viewerCertificate, { cloudfrontDefaultCertificate: true });
});

test('CloudFront does not cache the API and does not forward Host', (t) => {
  t.is(distribution.defaultCacheBehavior.cachePolicyId, CACHING_DISABLED_ID);
  t.is(distribution.defaultCacheBehavior.originRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_ID);
  t.true(distribution.defaultCacheBehavior.allowedMethods.includes('PUT'));
});

test('CloudFront adds the secret origin header the ALB listener rule checks', (t) => {
  const rule = named(run, 'aws:lb/listenerRule:ListenerRule', 'hello-prod-from-cloudfront').inputs;
  const [header] = distribution.origins[0].customHeaders;
  t.deepEqual(header, { name: 'X-Origin-Verify', value: rule.conditions[0].httpHeader.values[0] });
  t.true(header.value.length >= 32);
});

test('a WAF in us-east-1 with managed rule groups and a rate limit guards CloudFront', (t) => {
  const waf = single(run, 'aws:wafv2/webAcl:WebAcl');
  t.is(waf.inputs.scope, 'CLOUDFRONT');
  t.regex(waf.provider ?? '', /pulumi:providers:aws::hello-prod-us-east-1::/);
  t.is(single(run, 'pulumi:providers:aws').inputs.region, 'us-east-1');
  const groups = waf.inputs.rules
    .map(
      (rule: { statement: { managedRuleGroupStatement?: { name: string } } }) =>
        rule.statement.managedRuleGroupStatement?.name,
    )
    .filter(Boolean);
  t.deepEqual(groups, [
    'AWSManagedRulesCommonRuleSet',
    'AWSManagedRulesKnownBadInputsRuleSet',
    'AWSManagedRulesAmazonIpReputationList',
  ]);
  const rate = waf.inputs.rules.find((rule: { statement: object }) => 'rateBasedStatement' in rule.statement);
  t.like(rate, {
    action: { block: {} },
    statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: 2000 } },
  });
  t.is(distribution.webAclId, 'arn:aws:wafv2:eu-west-1:123456789012:hello-prod-waf');
});
