import test from 'ava';
import { ALL_VIEWER_EXCEPT_HOST_ID, CACHING_DISABLED_ID } from './support/mocks.js';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const distribution = single(run, 'aws:cloudfront/distribution:Distribution').inputs;
const ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/hello-prod-alb/0123456789abcdef';

test('a regional REST API proxies every path through the VPC link V2 to the internal ALB', (t) => {
  t.deepEqual(single(run, 'aws:apigatewayv2/vpcLink:VpcLink').inputs.securityGroupIds, [
    'hello-prod-vpc-link-id',
  ]);
  t.deepEqual(ofType(run, 'aws:apigatewayv2/api:Api'), []);
  t.like(single(run, 'aws:apigateway/restApi:RestApi').inputs, {
    endpointConfiguration: { types: 'REGIONAL' },
  });
  t.like(single(run, 'aws:apigateway/resource:Resource').inputs, {
    parentId: 'root-resource-id',
    pathPart: '{proxy+}',
  });
  const integrations = ofType(run, 'aws:apigateway/integration:Integration').map((i) => i.inputs);
  t.deepEqual(integrations.map((i) => i.uri).sort(), [
    'http://internal-hello-prod-alb.eu-west-1.elb.amazonaws.com:80/',
    'http://internal-hello-prod-alb.eu-west-1.elb.amazonaws.com:80/{proxy}',
  ]);
  for (const integration of integrations) {
    t.like(integration, {
      type: 'HTTP_PROXY',
      httpMethod: 'ANY',
      integrationHttpMethod: 'ANY',
      connectionType: 'VPC_LINK',
      connectionId: 'hello-prod-vpc-link-id',
      integrationTarget: ALB_ARN,
    });
  }
  // The backend path is the viewer's path, not the stage-prefixed one.
  t.deepEqual(
    named(run, 'aws:apigateway/integration:Integration', 'hello-prod-proxy').inputs.requestParameters,
    {
      'integration.request.path.proxy': 'method.request.path.proxy',
    },
  );
});

test('the stage logs JSON access logs (with the WAF verdict) and throttles', (t) => {
  const stage = single(run, 'aws:apigateway/stage:Stage').inputs;
  t.like(stage, { stageName: 'live', deployment: 'hello-prod-api-id' });
  t.is(
    stage.accessLogSettings.destinationArn,
    'arn:aws:cloudwatch:eu-west-1:123456789012:hello-prod-api-access',
  );
  t.like(JSON.parse(stage.accessLogSettings.format), {
    requestId: '$context.requestId',
    status: '$context.status',
    waf: '$context.wafResponseCode',
  });
  t.like(single(run, 'aws:apigateway/methodSettings:MethodSettings').inputs, {
    methodPath: '*/*',
    settings: {
      throttlingBurstLimit: 500,
      throttlingRateLimit: 200,
      metricsEnabled: true,
      loggingLevel: 'OFF',
    },
  });
  t.is(named(run, 'aws:cloudwatch/logGroup:LogGroup', 'hello-prod-api-access').inputs.retentionInDays, 90);
  // REST access logs need the account's CloudWatch role; a region-wide setting, kept on destroy.
  t.is(
    single(run, 'aws:apigateway/account:Account').inputs.cloudwatchRoleArn,
    'arn:aws:iam:eu-west-1:123456789012:hello-prod-apigw-logs',
  );
});

test('the deployment is redone when the routes change and waits for the integrations', (t) => {
  const deployment = single(run, 'aws:apigateway/deployment:Deployment');
  t.regex(deployment.inputs.triggers.routes, /^[0-9a-f]{64}$/);
  t.deepEqual(deployment.dependsOn?.sort(), [
    'aws:apigateway/integration:Integration::hello-prod-proxy',
    'aws:apigateway/integration:Integration::hello-prod-root',
  ]);
});

test('CloudFront is HTTPS-only to viewers (custom domain, TLS 1.2 2021+) and to the API stage', (t) => {
  const [origin] = distribution.origins;
  t.is(origin.domainName, 'abc123.execute-api.eu-west-1.amazonaws.com');
  t.is(origin.originPath, '/live');
  t.like(origin.customOriginConfig, { originProtocolPolicy: 'https-only', originSslProtocols: ['TLSv1.2'] });
  t.is(distribution.defaultCacheBehavior.viewerProtocolPolicy, 'redirect-to-https');
  t.deepEqual(distribution.aliases, ['hello.example.org']);
  t.deepEqual(distribution.viewerCertificate, {
    acmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/prod-fixture',
    sslSupportMethod: 'sni-only',
    minimumProtocolVersion: 'TLSv1.2_2021',
  });
});

test('CloudFront does not cache the API and does not forward Host', (t) => {
  t.is(distribution.defaultCacheBehavior.cachePolicyId, CACHING_DISABLED_ID);
  t.is(distribution.defaultCacheBehavior.originRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_ID);
  t.true(distribution.defaultCacheBehavior.allowedMethods.includes('PUT'));
});

test('CloudFront adds the secret origin header the ALB listener rule checks too', (t) => {
  const rule = single(run, 'aws:lb/listenerRule:ListenerRule').inputs;
  const [header] = distribution.origins[0].customHeaders;
  t.deepEqual(header, { name: 'X-Origin-Verify', value: rule.conditions[0].httpHeader.values[0] });
  t.true(header.value.length >= 32);
});

test('a WAF in us-east-1 with managed rule groups and a rate limit guards CloudFront', (t) => {
  const waf = named(run, 'aws:wafv2/webAcl:WebAcl', 'hello-prod-waf');
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
