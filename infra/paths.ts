import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the Docker build context, where packages/chart and the stack files live). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
