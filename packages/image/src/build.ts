import { relative } from 'node:path';
import { runCommand, tail } from '@high-available-server/testkit/process';
import type { Engine } from './engine.js';

const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

export interface BuildOptions {
  engine: Engine;
  repoRoot: string;
  dockerfile: string;
  baseImage: string;
  tag: string;
  logFile: string;
  log: (line: string) => void;
  timeoutMs: number;
}

async function npmRegistry() {
  const result = await runCommand('npm', ['config', 'get', 'registry']);
  return result.code === 0 ? result.stdout.trim() : DEFAULT_NPM_REGISTRY;
}

async function gitRevision(repoRoot: string) {
  const result = await runCommand('git', ['-C', repoRoot, 'rev-parse', 'HEAD']);
  return result.code === 0 ? result.stdout.trim() : 'unknown';
}

/** The build command line: the real Dockerfile, the repository root as context. */
export function buildArgs(options: {
  kind: Engine['kind'];
  dockerfile: string;
  contextDir: string;
  baseImage: string;
  tag: string;
  registry: string;
  revision: string;
}) {
  const args = [
    'build',
    '--file',
    options.dockerfile,
    '--tag',
    options.tag,
    '--build-arg',
    `BASE_IMAGE=${options.baseImage}`,
    '--build-arg',
    `REVISION=${options.revision}`,
    // The build stage fetches pnpm and packages from the npm registry: host networking is the
    // simplest route out of a container on these machines.
    '--network',
    'host',
  ];
  // A locally made base must never be looked up in a registry (podman would try, and fail here).
  if (options.kind === 'podman' && options.baseImage.startsWith('localhost/')) args.push('--pull=never');
  if (options.registry.replace(/\/?$/, '/') !== DEFAULT_NPM_REGISTRY) {
    args.push('--build-arg', `NPM_CONFIG_REGISTRY=${options.registry}`);
  }
  args.push(options.contextDir);
  return args;
}

export async function buildServiceImage(options: BuildOptions) {
  const args = buildArgs({
    kind: options.engine.kind,
    dockerfile: options.dockerfile,
    contextDir: options.repoRoot,
    baseImage: options.baseImage,
    tag: options.tag,
    registry: await npmRegistry(),
    revision: await gitRevision(options.repoRoot),
  });
  options.log(
    `build: ${options.engine.kind} ${args.join(' ')} (log: ${relative(options.repoRoot, options.logFile)})`,
  );
  const started = Date.now();
  const result = await options.engine.run(args, {
    cwd: options.repoRoot,
    timeoutMs: options.timeoutMs,
    logFile: options.logFile,
  });
  const seconds = (Date.now() - started) / 1000;
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs / 1000} s` : `exited ${result.code}`;
    throw new Error(`image build ${why}:\n${tail(`${result.stdout}\n${result.stderr}`, 40)}`);
  }
  return { seconds };
}
