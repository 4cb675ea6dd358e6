import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface PackageInfo {
  name: string;
  /** Directory relative to the repository root ('' for the root package). */
  dir: string;
  scripts: Record<string, string>;
  packageManager?: string;
  engines?: Record<string, string>;
  /** dependencies and devDependencies together. */
  dependencies: Record<string, string>;
  /** `dependencies` alone: what the package needs when something else runs it. */
  productionDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
}

function readPackage(repoRoot: string, dir: string): PackageInfo {
  const json = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
    name?: string;
    scripts?: Record<string, string>;
    packageManager?: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  return {
    name: json.name ?? dir,
    dir,
    scripts: json.scripts ?? {},
    ...(json.packageManager === undefined ? {} : { packageManager: json.packageManager }),
    ...(json.engines === undefined ? {} : { engines: json.engines }),
    dependencies: { ...json.devDependencies, ...json.dependencies },
    productionDependencies: json.dependencies ?? {},
    optionalDependencies: json.optionalDependencies ?? {},
  };
}

/** Directories the pnpm-workspace.yaml `packages` globs name (`dir/*` and plain `dir` forms). */
function workspaceDirs(repoRoot: string): string[] {
  const doc = parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as { packages?: string[] };
  return (doc.packages ?? []).flatMap((pattern) => {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      return readdirSync(join(repoRoot, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`);
    }
    if (/[*?[]/.test(pattern)) throw new Error(`pnpm-workspace.yaml pattern not understood: ${pattern}`);
    return [pattern];
  });
}

export interface Workspace {
  root: PackageInfo;
  packages: PackageInfo[];
}

export function loadWorkspace(repoRoot: string): Workspace {
  const packages = workspaceDirs(repoRoot)
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
    .map((dir) => readPackage(repoRoot, dir));
  return { root: readPackage(repoRoot, ''), packages };
}
