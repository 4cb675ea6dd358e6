import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const packageName = '@high-available-server/service';
const buildHint = `build the service first: pnpm --filter ${packageName} build (pnpm test does it)`;
const serviceDir = new URL('../../service/', import.meta.url);

/** Absolute path of a file of the workspace service's build output, checked to exist. */
export async function serviceBuildFile(relativePath: string): Promise<string> {
  const path = fileURLToPath(new URL(relativePath, serviceDir));
  await access(path).catch(() => {
    throw new Error(`${path} is missing: ${buildHint}`);
  });
  return path;
}
