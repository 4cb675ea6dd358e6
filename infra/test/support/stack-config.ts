import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../paths.js';

export type StackName = 'dev' | 'prod' | 'minikube';

/**
 * What an operator must add to Pulumi.prod.yaml before the first `pulumi up` (production refuses
 * to run without a domain, its certificate and the CI runner): fixture values, so the mock runs of
 * prod run the program as a complete production stack would.
 */
export const PROD_OPERATOR_CONFIG: Record<string, string> = {
  'high-available-server:domain': 'hello.example.org',
  'high-available-server:certificateArn': 'arn:aws:acm:us-east-1:123456789012:certificate/prod-fixture',
  'high-available-server:hostedZoneId': 'Z0PRODFIXTURE',
  'high-available-server:ciRunnerGithubRepository': 'example-org/high-available-server',
  'high-available-server:ciRunnerConnectionArn':
    'arn:aws:codeconnections:eu-west-1:123456789012:connection/prod-fixture',
};

/** The stack file's config plus, for prod, what its operator fills in (PROD_OPERATOR_CONFIG). */
export function deployableStackConfig(stack: StackName): Record<string, string> {
  return { ...stackFileConfig(stack), ...(stack === 'prod' ? PROD_OPERATOR_CONFIG : {}) };
}

/**
 * The config of a stack exactly as `pulumi` would hand it to the program: read from
 * Pulumi.<stack>.yaml at the repo root, scalars as strings, lists/objects as JSON.
 */
export function stackFileConfig(stack: StackName): Record<string, string> {
  const path = join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!existsSync(path))
    throw new Error(`stack file ${path} is missing: every stack needs its Pulumi.<stack>.yaml`);
  const document = parse(readFileSync(path, 'utf8')) as { config?: Record<string, unknown> } | null;
  const config = document?.config;
  if (!config) throw new Error(`${path} has no top-level config: block`);
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );
}
