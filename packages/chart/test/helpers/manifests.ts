import type { Manifest } from './helm.js';

/** The single object of a kind (and optional name suffix); throws with the kinds present if absent. */
export function only(manifests: readonly Manifest[], kind: string, nameEndsWith = ''): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name.endsWith(nameEndsWith));
  if (found.length !== 1) {
    const present = manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}*${nameEndsWith}, found ${found.length} among: ${present}`);
  }
  return found[0] as Manifest;
}

export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

// biome-ignore lint/suspicious/noExplicitAny: pod specs come from rendered YAML
export type PodSpec = any;

/** Every pod spec the chart can create: Deployment/Job templates and bare Pods (helm tests). */
export function podSpecs(
  manifests: readonly Manifest[],
): { owner: string; spec: PodSpec; labels: Record<string, string> }[] {
  return manifests.flatMap((m) => {
    const owner = `${m.kind}/${m.metadata.name}`;
    if (m.kind === 'Pod') return [{ owner, spec: m.spec, labels: m.metadata.labels ?? {} }];
    if (m.spec?.template?.spec)
      return [{ owner, spec: m.spec.template.spec, labels: m.spec.template.metadata?.labels ?? {} }];
    return [];
  });
}

/** Whether a matchLabels selector selects an object with these labels. */
export function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}

export function serverContainer(manifests: readonly Manifest[]) {
  const deployment = only(manifests, 'Deployment');
  const container = deployment.spec.template.spec.containers.find(
    (c: { name: string }) => c.name === 'server',
  );
  if (!container) throw new Error('Deployment has no container named server');
  return container;
}

export type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
};

/** The environment the server container sees: its ConfigMap (envFrom) plus inline env. */
export function serverEnv(manifests: readonly Manifest[]): Map<string, EnvVar> {
  const container = serverContainer(manifests);
  const env = new Map<string, EnvVar>();
  for (const source of container.envFrom ?? []) {
    const configMap = only(manifests, 'ConfigMap');
    if (source.configMapRef?.name !== configMap.metadata.name)
      throw new Error('envFrom names an unknown ConfigMap');
    for (const [name, value] of Object.entries(configMap.data as Record<string, string>))
      env.set(name, { name, value });
  }
  for (const variable of container.env ?? []) env.set(variable.name, variable);
  return env;
}
