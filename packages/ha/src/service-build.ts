import { access } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
