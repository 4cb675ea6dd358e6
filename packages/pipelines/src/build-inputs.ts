import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Repository } from './repository.js';
import { allSteps, stepUses } from './workflows.js';

// Files outside any package that a job's result depends on, read from the files that consume them
// rather than listed by hand: a path filter that misses one lets a change skip the checks.

/** pnpm's own: the manifests and settings every `pnpm install` reads. */
const PNPM_FILES = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'];

/** Root-level files a `pnpm install` plus TypeScript build reads: pnpm's files, tsconfig `extends`, node-version-file. */
export function installInputs(repo: Pick<Repository, 'root' | 'workspace' | 'workflows'>): string[] {
  const extended = repo.workspace.packages.flatMap((pkg) => {
    const tsconfig = join(repo.root, pkg.dir, 'tsconfig.json');
    if (!existsSync(tsconfig)) return [];
    const base = /"extends"\s*:\s*"([^"]+)"/.exec(readFileSync(tsconfig, 'utf8'))?.[1];
    if (!base?.startsWith('.')) return [];
    const target = relative(repo.root, join(dirname(tsconfig), base));
    // Only files outside every package: a package's own files are under its path filter.
    return target.includes('/') ? [] : [target];
  });
  const versionFiles = allSteps(repo.workflows).flatMap(({ step }) =>
    stepUses(step, 'actions/setup-node') && typeof step.with?.['node-version-file'] === 'string'
      ? [step.with['node-version-file']]
      : [],
  );
  return [
    ...new Set([
      ...PNPM_FILES.filter((file) => existsSync(join(repo.root, file))),
      ...extended,
      ...versionFiles,
    ]),
  ].sort();
}

/** Root-level files a Docker build of `dockerfile` reads: what it COPYs from the root, and .dockerignore. */
export function imageInputs(root: string, dockerfile: string): string[] {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  // `COPY [--flags] <source>… <destination>` on one line; a stage copy (--from) reads no context.
  const copied = [...text.matchAll(/^COPY[ \t]+(?!--from)((?:\S+[ \t]+)+)\S+[ \t]*$/gm)].flatMap((match) =>
    (match[1] ?? '')
      .trim()
      .split(/[ \t]+/)
      .filter((source) => !source.startsWith('--') && !source.includes('/')),
  );
  return [...new Set([...copied, '.dockerignore'])].sort();
}

/** Whether a `paths:` pattern list covers a file (exact entries and `dir/**` globs, as used here). */
export function covers(patterns: string[], file: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : pattern === file,
  );
}
