import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CommandOptions,
  type CommandResult,
  hasCommand,
  mustRun,
  runCommand,
} from '@high-available-server/testkit/process';
import { ensureAptPackages } from './apt.js';

export type EngineKind = 'docker' | 'podman';

/** A container engine CLI with this project's configuration applied to every call. */
export interface Engine {
  kind: EngineKind;
  run(args: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  /** Like run, but throws unless the command exits 0. */
  must(args: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  imageExists(reference: string): Promise<boolean>;
}

function cliEngine(kind: EngineKind, env: NodeJS.ProcessEnv): Engine {
  const withEnv = (options: CommandOptions = {}) => ({ ...options, env: { ...env, ...options.env } });
  const engine: Engine = {
    kind,
    run: (args, options) => runCommand(kind, args, withEnv(options)),
    must: (args, options) => mustRun(kind, args, withEnv(options)),
    imageExists: async (reference) =>
      (await engine.run(['image', 'inspect', '--format', '{{.Id}}', reference], { timeoutMs: 30_000 }))
        .code === 0,
  };
  return engine;
}

async function dockerDaemonAnswers() {
  if (!(await hasCommand('docker'))) return false;
  const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
  return info.code === 0;
}

/**
 * podman's configuration for these machines, all of it inside `dir`: runc (crun fails on the
 * hybrid cgroup layout here), cgroupfs (no systemd), events to a file (no journald), and ulimits
 * within the host's hard limits (podman's defaults ask for more and the runtime refuses).
 */
export function podmanConfig(dir: string) {
  const containersConf = `# Written by packages/image (engine.ts); regenerated on every run.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
tmp_dir = "${dir}/tmp"
image_copy_tmp_dir = "${dir}/tmp"

[network]
network_config_dir = "${dir}/networks"
`;
  const storageConf = `# Written by packages/image (engine.ts); regenerated on every run.
[storage]
driver = "overlay"
graphroot = "${dir}/storage"
runroot = "${dir}/run"
`;
  // No short-name search: every image this package uses is local and fully qualified.
  const registriesConf = 'unqualified-search-registries = []\n';
  return { containersConf, storageConf, registriesConf };
}

export interface EngineOptions {
  cacheDir: string;
  log: (line: string) => void;
  /** Force one engine (IMAGE_TEST_ENGINE); otherwise docker when its daemon answers, else podman. */
  prefer?: EngineKind | undefined;
}

export async function getEngine({ cacheDir, log, prefer }: EngineOptions): Promise<Engine> {
  if (prefer !== 'podman' && (prefer === 'docker' || (await dockerDaemonAnswers()))) {
    log('engine: docker (its daemon answers)');
    return cliEngine('docker', process.env);
  }
  await ensureAptPackages(
    [
      { command: 'podman', aptPackage: 'podman' },
      { command: 'runc', aptPackage: 'runc' },
      // kube play's pods need an infra container, which podman builds from catatonit.
      { command: 'catatonit', aptPackage: 'catatonit' },
    ],
    log,
  );
  const dir = join(cacheDir, 'podman');
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await mkdir(join(dir, 'networks'), { recursive: true });
  const config = podmanConfig(dir);
  await writeFile(join(dir, 'containers.conf'), config.containersConf);
  await writeFile(join(dir, 'storage.conf'), config.storageConf);
  await writeFile(join(dir, 'registries.conf'), config.registriesConf);
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
  };
  const engine = cliEngine('podman', env);
  const version = await engine.must(['version', '--format', '{{.Client.Version}}'], { timeoutMs: 30_000 });
  log(`engine: podman ${version.stdout.trim()} (no docker daemon answers), state in ${dir}`);
  return engine;
}

/**
 * Removes what a crashed or interrupted run left in this project's own podman storage (nothing
 * else uses it, and the run lock keeps a second run out).
 */
export async function removeLeftovers(engine: Engine, namePrefix: string) {
  if (engine.kind !== 'podman') return;
  const pods = await engine.run(['pod', 'ps', '-q', '--filter', `name=${namePrefix}`]);
  for (const id of pods.stdout.split('\n').filter(Boolean)) {
    await engine.run(['pod', 'rm', '-f', '-t', '0', id], { timeoutMs: 60_000 });
  }
  const containers = await engine.run(['ps', '-aq', '--filter', `name=${namePrefix}`]);
  for (const id of containers.stdout.split('\n').filter(Boolean)) {
    await engine.run(['rm', '-f', '-t', '0', id], { timeoutMs: 60_000 });
  }
  // Working containers of an interrupted `podman build` (buildah's, listed only with --external).
  const external = await engine.run(['ps', '-a', '--external', '--format', '{{.ID}} {{.Status}}']);
  for (const line of external.stdout.split('\n')) {
    const [id, status] = line.trim().split(/\s+/);
    if (id && status === 'Storage') await engine.run(['rm', '-f', id], { timeoutMs: 60_000 });
  }
  await engine.run(['image', 'unmount', '--all'], { timeoutMs: 60_000 });
}
