import test from 'ava';
import { violations } from '../policy/rules.js';
import { stackRun } from './support/stack-runs.js';

const [dev, prod] = await Promise.all([stackRun('dev'), stackRun('prod')]);

for (const run of [dev, prod]) {
  test(`every resource of the ${run.stack} stack passes the policy pack`, (t) => {
    const found = run.resources.flatMap((r) =>
      violations(r.type, r.inputs).map((v) => `${r.type} ${r.name}: ${v}`),
    );
    t.deepEqual(found, []);
    // The rules did look at something: each governed type is present.
    for (const type of [
      'aws:rds/instance:Instance',
      'aws:cloudfront/distribution:Distribution',
      'aws:ecr/repository:Repository',
      'eks:index:Cluster',
      'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
      'aws:lb/loadBalancer:LoadBalancer',
    ]) {
      t.true(
        run.resources.some((r) => r.type === type),
        `${type} missing from ${run.stack}`,
      );
    }
  });
}
