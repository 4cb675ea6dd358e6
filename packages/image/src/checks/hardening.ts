import type { Engine } from '../engine.js';

interface InspectedContainer {
  Config?: { User?: string; Env?: string[] };
  HostConfig?: {
    ReadonlyRootfs?: boolean;
    CapDrop?: string[];
    SecurityOpt?: string[];
    Memory?: number;
    NetworkMode?: string;
    Tmpfs?: Record<string, string>;
  };
  EffectiveCaps?: string[] | null;
  Mounts?: { Destination?: string; Type?: string }[];
}

export interface HardeningExpectations {
  memoryBytes?: number;
  /** Variables that must be set (values not printed: one of them is a database URL). */
  env: Record<string, string>;
}

/**
 * What the engine actually applied to a running container, against the chart's securityContext:
 * uid/gid 1000, read-only root, no capabilities, no privilege escalation, /tmp mounted, limits.
 */
export async function checkHardening(engine: Engine, container: string, expected: HardeningExpectations) {
  const result = await engine.must(['container', 'inspect', container], { timeoutMs: 30_000 });
  const [inspected] = JSON.parse(result.stdout) as InspectedContainer[];
  if (!inspected) throw new Error(`no inspection for ${container}`);
  const problems: string[] = [];
  const user = inspected.Config?.User ?? '';
  if (!/^1000(:1000)?$/.test(user)) problems.push(`user is "${user}", expected 1000:1000`);
  if (inspected.HostConfig?.ReadonlyRootfs !== true) problems.push('root filesystem is writable');
  // podman reports the capabilities the process ends up with; docker only what was dropped.
  if (inspected.EffectiveCaps !== undefined) {
    const effective = inspected.EffectiveCaps ?? [];
    if (effective.length > 0) problems.push(`capabilities left: ${effective.join(', ')}`);
  } else if (!(inspected.HostConfig?.CapDrop ?? []).some((cap) => cap.toUpperCase() === 'ALL')) {
    problems.push('capabilities are not all dropped');
  }
  if (!(inspected.HostConfig?.SecurityOpt ?? []).some((option) => option.startsWith('no-new-privileges'))) {
    problems.push('no-new-privileges is not set');
  }
  const tmpMount = (inspected.Mounts ?? []).find((mount) => mount.Destination === '/tmp');
  const tmpfs = inspected.HostConfig?.Tmpfs?.['/tmp'] !== undefined;
  if (!tmpMount && !tmpfs) problems.push('/tmp is not mounted');
  if (expected.memoryBytes !== undefined && inspected.HostConfig?.Memory !== expected.memoryBytes) {
    problems.push(`memory limit is ${inspected.HostConfig?.Memory}, expected ${expected.memoryBytes}`);
  }
  const env = new Map(
    (inspected.Config?.Env ?? []).map((entry) => [
      entry.slice(0, entry.indexOf('=')),
      entry.slice(entry.indexOf('=') + 1),
    ]),
  );
  for (const [name, value] of Object.entries(expected.env)) {
    if (env.get(name) !== value) problems.push(`${name} is not what the chart sets`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  const tmp = tmpfs ? 'tmpfs' : `a ${tmpMount?.Type}`;
  const limit = expected.memoryBytes ? `, memory limit ${expected.memoryBytes / 1024 ** 2} MiB` : '';
  return `uid 1000, read-only root, no capabilities, no-new-privileges, /tmp on ${tmp}${limit}, ${Object.keys(expected.env).length} env vars as the chart sets them`;
}
