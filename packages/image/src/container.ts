import type { Engine } from './engine.js';

export interface HardenedContainer {
  name: string;
  image: string;
  env: Record<string, string>;
  /** Overrides the image's CMD (e.g. the migrate command). */
  command?: string[];
  /** The chart's memory limit, e.g. "256m". */
  memory?: string;
  tmpSizeMb: number;
}

/**
 * `run` arguments that reproduce the chart's container securityContext: uid/gid 1000, read-only
 * root filesystem with only a /tmp tmpfs (the chart's emptyDir), no capabilities, no privilege
 * escalation. Host networking: the service and PostgreSQL both stay on 127.0.0.1.
 */
export function hardenedRunArgs(kind: Engine['kind'], container: HardenedContainer) {
  const args = [
    '--name',
    container.name,
    '--network',
    'host',
    '--user',
    '1000:1000',
    '--read-only',
    '--tmpfs',
    `/tmp:rw,nosuid,nodev,size=${container.tmpSizeMb}m,mode=1777`,
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
  ];
  // podman's --read-only adds writable tmpfs on /run, /tmp and /var/tmp by default; Kubernetes
  // gives only what the pod spec mounts.
  if (kind === 'podman') args.push('--read-only-tmpfs=false');
  if (container.memory) args.push('--memory', container.memory);
  for (const [key, value] of Object.entries(container.env)) args.push('--env', `${key}=${value}`);
  args.push(container.image, ...(container.command ?? []));
  return args;
}

export async function containerState(engine: Engine, name: string) {
  const result = await engine.run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name], {
    timeoutMs: 30_000,
  });
  if (result.code !== 0) return undefined;
  const [status = '', exitCode = ''] = result.stdout.trim().split(' ');
  return { status, exitCode: Number(exitCode), running: status === 'running' };
}

/** stdout and stderr lines of a container, kept apart (the service must log JSON to stdout). */
export async function containerLogs(engine: Engine, name: string) {
  const result = await engine.run(['logs', name], { timeoutMs: 30_000 });
  const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');
  return { stdout: lines(result.stdout), stderr: lines(result.stderr) };
}

/** Every stdout line must be a JSON object with pino's level and time; returns the parsed lines. */
export function assertJsonLogLines(lines: readonly string[]) {
  if (lines.length === 0) throw new Error('no log line on stdout');
  return lines.map((line, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${index + 1} is not JSON: ${line.slice(0, 200)}`);
    }
    const record = parsed as { level?: unknown; time?: unknown; msg?: unknown };
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      record.level === undefined ||
      record.time === undefined
    ) {
      throw new Error(`stdout line ${index + 1} lacks level/time: ${line.slice(0, 200)}`);
    }
    return record;
  });
}
