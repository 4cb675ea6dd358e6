import test from 'ava';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('dev');

test('dev exports the public URL, API Gateway URL, cluster name, kubeconfig and DB endpoint', (t) => {
  t.deepEqual(Object.keys(run.outputs).sort(), [
    'apiGatewayUrl',
    'clusterName',
    'databaseEndpoint',
    'imageDigest',
    'imageRepository',
    'kubeconfig',
    'publicUrl',
  ]);
  t.is(run.outputs.publicUrl, 'https://d111111abcdef8.cloudfront.net');
  t.is(run.outputs.apiGatewayUrl, 'https://abc123.execute-api.eu-west-1.amazonaws.com/live');
  t.is(run.outputs.clusterName, 'hello-dev');
  t.is(run.outputs.databaseEndpoint, 'hello-dev-db.c0abc.eu-west-1.rds.amazonaws.com');
  t.true(String(run.outputs.kubeconfig).includes('"kind":"Config"'));
  t.deepEqual(run.secretOutputs, ['kubeconfig']);
});
