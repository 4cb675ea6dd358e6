import type { ProgramDeps } from '../../deps.js';
import { REPO_ROOT } from '../../paths.js';
import { createMocks, type Registration } from './mocks.js';
import { deployableStackConfig, type StackName } from './stack-config.js';

export const FAKE_CA_BUNDLE =
  '-----BEGIN CERTIFICATE-----\nTEST-ONLY-NOT-A-CERTIFICATE\n-----END CERTIFICATE-----\n';
export const TEST_IMAGE_TAG = 'src-test';

export interface StackRun {
  stack: StackName;
  resources: Registration[];
  outputs: Record<string, unknown>;
  /** Names of the outputs Pulumi stores encrypted. */
  secretOutputs: string[];
  /** Regions the program asked the RDS CA bundle for. */
  caBundleRequests: string[];
}

/** The program loaded under Pulumi's mocks with a stack's config, before it runs. */
export interface LoadedProgram {
  pulumi: typeof import('@pulumi/pulumi');
  program: (deps: ProgramDeps) => ReturnType<typeof import('../../index.js').default>;
  deps: ProgramDeps;
  resources: Registration[];
  caBundleRequests: string[];
}

/**
 * Sets the config of Pulumi.<stack>.yaml (plus overrides) and the mocks, then loads the program.
 * Module state is per process: one stack per test file (ava runs every file in its own process).
 */
export async function loadProgram(
  stack: StackName,
  overrides: Record<string, string> = {},
  depsOverrides: Partial<ProgramDeps> = {},
): Promise<LoadedProgram> {
  const config = { ...deployableStackConfig(stack), ...overrides };
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
    ...depsOverrides,
  };
  const { default: program } = await import('../../index.js');
  return { pulumi, program, deps, resources, caBundleRequests };
}

/**
 * Runs the whole program for one stack under Pulumi's mocks, with the config of
 * Pulumi.<stack>.yaml (plus overrides). Module state is per process: one stack per test file
 * (ava runs every file in its own process).
 */
export async function runStack(stack: StackName, overrides: Record<string, string> = {}): Promise<StackRun> {
  const { pulumi, program, deps, resources, caBundleRequests } = await loadProgram(stack, overrides);
  // Run inside a root stack resource (as `pulumi up` does), so a stack transformation sees every
  // resource's options: parent and dependsOn are not part of what the mocks receive.
  const options = new Map<string, { parent?: string; dependsOn: string[]; ignoreChanges?: string[] }>();
  let exported: Awaited<ReturnType<typeof program>> | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation(({ type, name, opts }) => {
      // A resource reference rehydrated from a component's inputs is not a new resource.
      if (opts.urn) return undefined;
      const dependsOn = [opts.dependsOn ?? []].flat().map(resourceName);
      const parent = opts.parent ? resourceName(opts.parent) : undefined;
      const ignoreChanges = opts.ignoreChanges;
      options.set(`${type}::${name}`, {
        ...(parent ? { parent } : {}),
        dependsOn,
        ...(ignoreChanges ? { ignoreChanges } : {}),
      });
      return undefined;
    });
    exported = await program(deps);
    return exported;
  });
  if (!exported) throw new Error('the program returned no stack outputs');

  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [key, value] of Object.entries(exported)) {
    const output = pulumi.output(value);
    outputs[key] = await new Promise((resolve) => output.apply(resolve));
    if (await pulumi.isSecret(output)) secretOutputs.push(key);
  }
  // Registrations that wait on outputs resolved above may still be queued. waitForRPCs is the
  // SDK's own "everything registered" barrier (exported, though marked internal in its types).
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== 'function') {
    throw new Error('@pulumi/pulumi no longer exports runtime.waitForRPCs: update test/support/run-stack.ts');
  }
  await runtime.waitForRPCs();
  for (const resource of resources) {
    Object.assign(resource, options.get(`${resource.type}::${resource.name}`));
    resource.inputs = (await settle(resource.inputs)) as Record<string, unknown>;
  }
  return { stack, resources, outputs, secretOutputs, caBundleRequests };
}

/** `<type>::<name>` of a resource given in resource options. */
function resourceName(resource: unknown): string {
  const internal = resource as { __pulumiType?: string; __name?: string };
  return internal.__name ? `${internal.__pulumiType}::${internal.__name}` : '[not a resource]';
}

const SECRET_KEY = '4dabf18193072939515e22adb298388d';

/** Awaits promises nested in mock inputs (asset paths arrive as promises). */
async function settle(value: unknown, seen = new WeakSet<object>()): Promise<unknown> {
  if (value instanceof Promise) return settle(await value, seen);
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if ('urn' in value) return '[resource]';
  // Secret inputs arrive wrapped in Pulumi's secret signature; tests read the value.
  if (SECRET_KEY in value && 'value' in value) return settle(value.value, seen);
  if (Array.isArray(value)) return Promise.all(value.map((item) => settle(item, seen)));
  const entries = await Promise.all(
    Object.entries(value).map(async ([k, v]) => [k, await settle(v, seen)] as const),
  );
  return Object.fromEntries(entries);
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
