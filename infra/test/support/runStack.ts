import type { ProgramDeps } from '../../deps.js';
import { REPO_ROOT } from '../../deps.js';
import { createMocks, type Registration } from './mocks.js';
import { type StackName, stackFileConfig } from './stackConfig.js';

export const FAKE_CA_BUNDLE =
  '-----BEGIN CERTIFICATE-----\nTEST-ONLY-NOT-A-CERTIFICATE\n-----END CERTIFICATE-----\n';
export const TEST_IMAGE_TAG = 'src-test';

export interface StackRun {
  stack: StackName;
  resources: Registration[];
  outputs: Record<string, unknown>;
  /** Regions the program asked the RDS CA bundle for. */
  caBundleRequests: string[];
}

/**
 * Runs the whole program for one stack under Pulumi's mocks, with the config of
 * Pulumi.<stack>.yaml (plus overrides). Module state is per process: one stack per test file
 * (ava runs every file in its own process).
 */
export async function runStack(stack: StackName, overrides: Record<string, string> = {}): Promise<StackRun> {
  const config = { ...stackFileConfig(stack), ...overrides };
  process.env.PULUMI_CONFIG = JSON.stringify(config);
  // Mocks and config must be in place before the program (and the providers) load.
  const pulumi = await import('@pulumi/pulumi');
  pulumi.runtime.setAllConfig(config);
  const resources: Registration[] = [];
  await pulumi.runtime.setMocks(createMocks(resources), 'high-available-server', stack, false);

  const caBundleRequests: string[] = [];
  const deps: ProgramDeps = {
    repoRoot: REPO_ROOT,
    fetchRdsCaBundle: async (region) => {
      caBundleRequests.push(region);
      return FAKE_CA_BUNDLE;
    },
    imageTag: () => TEST_IMAGE_TAG,
  };
  const { default: program } = await import('../../index.js');
  const exported = await program(deps);

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exported)) {
    outputs[key] = await new Promise((resolve) => pulumi.output(value).apply(resolve));
  }
  // Registrations that depend on outputs resolved above may still be queued.
  await pulumi.runtime.waitForRPCs();
  return { stack, resources, outputs, caBundleRequests };
}

export function ofType(run: StackRun, type: string): Registration[] {
  return run.resources.filter((resource) => resource.type === type);
}

/** The one resource of a type; fails with the list of what exists otherwise. */
export function single(run: StackRun, type: string): Registration {
  const found = ofType(run, type);
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one ${type}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`,
    );
  }
  return found[0] as Registration;
}

export function named(run: StackRun, type: string, name: string): Registration {
  const found = run.resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) {
    const names = ofType(run, type).map((r) => r.name);
    throw new Error(`no ${type} named ${name}; there are: ${names.join(', ') || 'none'}`);
  }
  return found;
}
