import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Immutable ECR tags need a new tag for every different build; a hash of the build inputs gives
// one that stays the same while the sources do, so a no-change `pulumi up` builds nothing new.

const SKIPPED = new Set(['node_modules', 'dist', '.data', '.cache', 'test']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Hash of the service sources and the workspace files its Dockerfile copies. */
export function sourceTag(repoRoot: string): string {
  const inputs = [
    ...filesUnder(join(repoRoot, 'packages/service')),
    ...[
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'tsconfig.base.json',
      '.dockerignore',
    ].map((file) => join(repoRoot, file)),
  ].filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
  const hash = createHash('sha256');
  for (const path of inputs.sort()) {
    hash.update(relative(repoRoot, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return `src-${hash.digest('hex').slice(0, 16)}`;
}
