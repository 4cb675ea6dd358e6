import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

export interface ProjectPaths {
  repoRoot: string;
  packageDir: string;
  /** Everything this package keeps between runs (git-ignored): podman storage, base rootfs, logs. */
  cacheDir: string;
  dockerfile: string;
  chartDir: string;
}

export function projectPaths(): ProjectPaths {
  const repoRoot = dirname(dirname(packageDir));
  return {
    repoRoot,
    packageDir,
    cacheDir: join(packageDir, '.cache'),
    dockerfile: join(repoRoot, 'packages', 'service', 'Dockerfile'),
    chartDir: join(repoRoot, 'packages', 'chart'),
  };
}
