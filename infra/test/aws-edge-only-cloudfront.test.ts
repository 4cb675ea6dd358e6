import test from 'ava';
import { ofType, type StackRun, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';
import { evaluateWebAcl } from './support/waf-evaluate.js';

// "Only CloudFront gets in": every public API Gateway entry point (here: the stage of each REST
// API) carries a regional WAF that, evaluated as registered, refuses any request that does not
// carry CloudFront's origin secret, and lets CloudFront's own requests through.

const runs = await Promise.all([stackRun('dev'), stackRun('prod')]);

function originSecret(run: StackRun): { name: string; value: string } {
  const distribution = single(run, 'aws:cloudfront/distribution:Distribution').inputs;
  const [header] = distribution.origins[0].customHeaders;
  return header;
}

function firewallOf(run: StackRun, stageName: string) {
  const associations = ofType(run, 'aws:wafv2/webAclAssociation:WebAclAssociation').filter((a) =>
    String(a.inputs.resourceArn).endsWith(`/stages/${stageName}`),
  );
  if (associations.length !== 1)
    throw new Error(`stage ${stageName}: ${associations.length} WAF associations`);
  const aclName = String(associations[0]?.inputs.webAclArn).split(':').pop();
  const acl = ofType(run, 'aws:wafv2/webAcl:WebAcl').find((w) => w.name === aclName);
  if (!acl) throw new Error(`no web ACL ${aclName}`);
  return acl.inputs;
}

for (const run of runs) {
  test(`${run.stack}: API Gateway has no entry point a WAF cannot guard`, (t) => {
    // HTTP and WebSocket APIs cannot carry a WAF; a custom API domain would be a second door.
    t.deepEqual(ofType(run, 'aws:apigatewayv2/api:Api'), []);
    t.deepEqual(ofType(run, 'aws:apigatewayv2/domainName:DomainName'), []);
    t.deepEqual(ofType(run, 'aws:apigateway/domainName:DomainName'), []);
    const apis = ofType(run, 'aws:apigateway/restApi:RestApi');
    t.true(apis.length > 0);
    for (const api of apis) t.is(api.inputs.endpointConfiguration.types, 'REGIONAL');
  });

  test(`${run.stack}: no public API Gateway stage serves a request without the origin secret`, (t) => {
    const secret = originSecret(run);
    const stages = ofType(run, 'aws:apigateway/stage:Stage');
    t.true(stages.length > 0);
    for (const stage of stages) {
      const acl = firewallOf(run, stage.inputs.stageName);
      t.is(acl.scope, 'REGIONAL');
      const verdict = (headers: Record<string, string>) => evaluateWebAcl(acl, { headers });
      t.is(verdict({}), 'BLOCK', 'no header');
      t.is(verdict({ [secret.name]: 'guess' }), 'BLOCK', 'wrong secret');
      t.is(verdict({ [secret.name]: `${secret.value}x` }), 'BLOCK', 'secret plus a suffix');
      t.is(verdict({ [secret.name]: secret.value.toUpperCase() }), 'BLOCK', 'secret in another case');
      t.is(verdict({ 'x-other': secret.value }), 'BLOCK', 'secret in another header');
      // What CloudFront sends (HTTP/2 lower-cases header names on the wire; WAF ignores case).
      t.is(verdict({ [secret.name]: secret.value }), 'ALLOW');
      t.is(verdict({ [secret.name.toLowerCase()]: secret.value }), 'ALLOW');
    }
  });

  test(`${run.stack}: the origin WAF logs what it refuses, without the secret`, (t) => {
    const logging = ofType(run, 'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration').find(
      (l) => l.name === `hello-${run.stack}-origin-waf`,
    );
    t.truthy(logging);
    t.deepEqual(logging?.inputs.redactedFields, [{ singleHeader: { name: 'x-origin-verify' } }]);
    t.regex(logging?.inputs.logDestinationConfigs[0], /^arn:aws:s3:::aws-waf-logs-hello-\w+-api-/);
    t.like(logging?.inputs.loggingFilter, {
      defaultBehavior: 'DROP',
      filters: [{ behavior: 'KEEP', conditions: [{ actionCondition: { action: 'BLOCK' } }] }],
    });
  });
}

test('the evaluator fails loudly on a statement it does not model (so it cannot pass an ACL by ignorance)', (t) => {
  t.throws(
    () =>
      evaluateWebAcl(
        {
          defaultAction: { allow: {} },
          rules: [{ name: 'geo', priority: 0, action: { block: {} }, statement: { geoMatchStatement: {} } }],
        },
        { headers: {} },
      ),
    { message: /not modelled/ },
  );
});
