import { access, constants } from 'node:fs/promises';
import { hasCommand, mustRun, runCommand } from '@high-available-server/testkit/process';

export interface Requirement {
  /** A command that proves the package is there (on PATH, or an absolute path tested with -x). */
  command: string;
  aptPackage: string;
}

export const isRoot = () => process.getuid?.() === 0;

async function present(requirement: Requirement) {
  if (!requirement.command.startsWith('/')) return hasCommand(requirement.command);
  return access(requirement.command, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Installs the Debian packages whose commands are missing, when running as root (CI, these
 * machines); elsewhere it says what to install instead of trying sudo.
 */
export async function ensureAptPackages(requirements: readonly Requirement[], log: (line: string) => void) {
  const missing: Requirement[] = [];
  for (const requirement of requirements) {
    if (!(await present(requirement))) missing.push(requirement);
  }
  if (missing.length === 0) return;
  const names = [...new Set(missing.map((requirement) => requirement.aptPackage))];
  if (!isRoot()) {
    throw new Error(`missing ${names.join(', ')}: install them (apt-get install ${names.join(' ')})`);
  }
  log(`installing ${names.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A third-party list that fails to refresh should not stop Debian's own packages installing:
  // the install below fails loudly if what it needs is really missing.
  const update = await runCommand('apt-get', ['update', '-qq'], { env, timeoutMs: 300_000 });
  if (update.code !== 0) log(`apt-get update exited ${update.code}; trying the install anyway`);
  // Waits for a concurrent apt/dpkg run instead of failing on its lock.
  await mustRun('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', ...names], {
    env,
    timeoutMs: 600_000,
  });
}
