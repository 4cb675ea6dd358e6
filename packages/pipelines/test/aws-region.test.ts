import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { loadRepository } from '../src/repository.js';

// The OIDC session's region (workflow env AWS_REGION) must be the region the stacks deploy to,
// or ECR logins, S3 state and KMS calls go to the wrong place.

const repo = loadRepository();

function stackRegion(stack: string): string | undefined {
  const path = join(repo.root, `Pulumi.${stack}.yaml`);
  if (!existsSync(path)) return undefined;
  const doc = parse(readFileSync(path, 'utf8')) as { config?: Record<string, unknown> } | null;
  const region = doc?.config?.['aws:region'];
  return typeof region === 'string' ? region : undefined;
}

for (const name of ['preview.yml', 'deploy.yml']) {
  test(`${name}: AWS_REGION equals aws:region of Pulumi.dev.yaml and Pulumi.prod.yaml`, (t) => {
    const workflow = repo.workflows.find((file) => file.name === name)?.workflow;
    const region = workflow?.env?.AWS_REGION;
    if (typeof region !== 'string') return t.fail(`${name}: env.AWS_REGION missing`);
    for (const stack of ['dev', 'prod']) {
      t.true(existsSync(join(repo.root, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml missing`);
      t.is(stackRegion(stack), region, `Pulumi.${stack}.yaml aws:region`);
    }
  });
}
