import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../paths.js';

export type StackName = 'dev' | 'prod' | 'minikube';

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
