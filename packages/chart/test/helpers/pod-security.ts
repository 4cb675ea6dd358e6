// Pod Security Standards, "restricted" profile (which includes "baseline"), checked on a pod
// spec the way the PodSecurity admission controller would: returns what it would reject.
import type { PodSpec } from './manifests.js';

const allowedVolumeTypes = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const allowedSeccomp = new Set(['RuntimeDefault', 'Localhost']);

export function restrictedViolations(spec: PodSpec): string[] {
  const violations: string[] = [];
  const podContext = spec.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) violations.push(`${field} must not be true`);
  }
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types) {
      if (!allowedVolumeTypes.has(type))
        violations.push(`volume ${volume.name} uses disallowed type ${type}`);
    }
  }
  if (podContext.runAsUser === 0) violations.push('pod runAsUser must not be 0');
  if (podContext.seccompProfile && !allowedSeccomp.has(podContext.seccompProfile.type)) {
    violations.push(`pod seccompProfile ${podContext.seccompProfile.type} is not allowed`);
  }
  for (const sysctl of podContext.sysctls ?? [])
    violations.push(`sysctl ${sysctl.name} is not in the safe set`);

  const containers = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
  if (containers.length === 0) violations.push('pod has no containers');
  for (const container of containers) {
    const where = `container ${container.name}`;
    const context = container.securityContext ?? {};
    if (context.privileged === true) violations.push(`${where}: privileged`);
    if (context.allowPrivilegeEscalation !== false)
      violations.push(`${where}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (runAsNonRoot !== true) violations.push(`${where}: runAsNonRoot must be true`);
    if (context.runAsUser === 0) violations.push(`${where}: runAsUser must not be 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (!allowedSeccomp.has(seccomp))
      violations.push(`${where}: seccompProfile must be RuntimeDefault or Localhost`);
    const drop: string[] = context.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) violations.push(`${where}: capabilities must drop ALL`);
    for (const added of context.capabilities?.add ?? []) {
      if (added !== 'NET_BIND_SERVICE') violations.push(`${where}: capability ${added} may not be added`);
    }
    if (context.procMount && context.procMount !== 'Default')
      violations.push(`${where}: procMount must be Default`);
    for (const port of container.ports ?? []) {
      if (port.hostPort) violations.push(`${where}: hostPort ${port.hostPort}`);
    }
  }
  return violations;
}
