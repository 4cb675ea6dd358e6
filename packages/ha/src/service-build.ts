import { access } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The service's pure rules the load generator needs to predict every answer. */
export interface BirthdayRules {
  parseUsername(raw: string): { ok: true; value: string } | { ok: false; detail: string };
  daysUntilBirthday(today: string, dateOfBirth: string): number;
  greeting(username: string, days: number): string;
  utcDate(now: Date): string;
}

const packageName = '@high-available-server/service';
const buildHint = `build the service first: pnpm --filter ${packageName} build (pnpm test does it)`;

/**
 * The service package directory: the workspace's, or HA_SERVICE_DIR to drill another build of the same
 * contract (e.g. a release candidate unpacked elsewhere).
 */
function serviceDir(): URL {
  const override = process.env.HA_SERVICE_DIR;
  return override
    ? pathToFileURL(`${override.replace(/\/$/, '')}/`)
    : new URL('../../service/', import.meta.url);
}

/** Absolute path of a file of the service's build output, checked to exist. */
export async function serviceBuildFile(relativePath: string): Promise<string> {
  const path = fileURLToPath(new URL(relativePath, serviceDir()));
  await access(path).catch(() => {
    throw new Error(`${path} is missing: ${buildHint}`);
  });
  return path;
}

/**
 * Loaded at run time from the built service (not a static import) so `pnpm typecheck` of this package
 * does not depend on the service having been built.
 */
export async function loadBirthdayRules(): Promise<BirthdayRules> {
  const specifier = process.env.HA_SERVICE_DIR
    ? new URL('dist/domain/birthday.js', serviceDir()).href
    : `${packageName}/dist/domain/birthday.js`;
  try {
    return (await import(specifier)) as BirthdayRules;
  } catch (error) {
    throw new Error(`cannot load ${specifier}: ${buildHint}`, { cause: error });
  }
}
