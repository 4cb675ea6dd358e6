import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const packageName = '@high-available-server/service';
const buildHint = `build the service first: pnpm --filter ${packageName} build (pnpm test does it)`;

/** The service's entry points the drill and the bench run or load (its package.json `exports`). */
export type ServiceEntryPoint = '.' | './migrate' | './domain/birthday';

/** Absolute path of one of the service's declared entry points (its build output), checked to exist. */
export async function serviceBuildFile(entryPoint: ServiceEntryPoint): Promise<string> {
  const specifier = entryPoint === '.' ? packageName : `${packageName}${entryPoint.slice(1)}`;
  let path: string;
  try {
    path = fileURLToPath(import.meta.resolve(specifier));
  } catch (error) {
    throw new Error(`${specifier} does not resolve (${(error as Error).message}): ${buildHint}`);
  }
  await access(path).catch(() => {
    throw new Error(`${path} is missing: ${buildHint}`);
  });
  return path;
}
