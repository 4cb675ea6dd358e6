import * as pulumi from '@pulumi/pulumi';
import { parseStackConfig, type StackConfig } from './config.js';
import { REPO_ROOT } from './paths.js';
import { sourceTag } from './source-tag.js';

/** What the program takes from the world outside Pulumi; tests pass their own. */
export interface ProgramDeps {
  repoRoot: string;
  /** The RDS CA bundle (PEM) for the region. */
  fetchRdsCaBundle: (region: string) => Promise<string>;
  /** Tag for a fresh image build. */
  imageTag: () => string;
}

/**
 * Downloads AWS's published CA bundle at deploy time, so no certificate is committed and the
 * bundle is current on every `pulumi up`.
 */
export async function fetchRdsCaBundle(region: string): Promise<string> {
  const url = `https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`;
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`fetching the RDS CA bundle from ${url} failed: HTTP ${response.status}`);
  const pem = await response.text();
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${url} did not return a PEM certificate bundle`);
  }
  return pem;
}

export function defaultDeps(): ProgramDeps {
  return { repoRoot: REPO_ROOT, fetchRdsCaBundle, imageTag: () => sourceTag(REPO_ROOT) };
}

/** The stack's config, validated (throws a StackConfigError listing every problem). */
export function loadStackConfig(): StackConfig {
  const project = new pulumi.Config('high-available-server');
  return parseStackConfig((key) => project.get(key), new pulumi.Config('aws').get('region'));
}
