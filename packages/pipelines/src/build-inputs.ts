import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { findPnpmInvocations } from './pnpm-invocations.js';
import type { Repository } from './repository.js';
import { allSteps, type StepRef, stepUses } from './workflows.js';
import type { PackageInfo, Workspace } from './workspace.js';

// Files outside any package that a job's result depends on, read from the files that consume them
// rather than listed by hand: a path filter that misses one lets a change skip the checks.

/** pnpm's own: the manifests and settings every `pnpm install` reads. */
const PNPM_FILES = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'];

/** Root-level files a `pnpm install` plus TypeScript build reads: pnpm's files, tsconfig `extends`, node-version-file. */
export function installInputs(repo: Pick<Repository, 'root' | 'workspace' | 'workflows'>): string[] {
  const extended = repo.workspace.packages.flatMap((pkg) => {
    const tsconfig = join(repo.root, pkg.dir, 'tsconfig.json');
    if (!existsSync(tsconfig)) return [];
    const base = /"extends"\s*:\s*"([^"]+)"/.exec(readFileSync(tsconfig, 'utf8'))?.[1];
    if (!base?.startsWith('.')) return [];
    const target = relative(repo.root, join(dirname(tsconfig), base));
    // Only files outside every package: a package's own files are under its path filter.
    return target.includes('/') ? [] : [target];
  });
  const versionFiles = allSteps(repo.workflows).flatMap(({ step }) =>
    stepUses(step, 'actions/setup-node') && typeof step.with?.['node-version-file'] === 'string'
      ? [step.with['node-version-file']]
      : [],
  );
  return [
    ...new Set([
      ...PNPM_FILES.filter((file) => existsSync(join(repo.root, file))),
      ...extended,
      ...versionFiles,
    ]),
  ].sort();
}

/** Root-level files a Docker build of `dockerfile` reads: what it COPYs from the root, and .dockerignore. */
export function imageInputs(root: string, dockerfile: string): string[] {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  // `COPY [--flags] <source>… <destination>` on one line; a stage copy (--from) reads no context.
  const copied = [...text.matchAll(/^COPY[ \t]+(?!--from)((?:\S+[ \t]+)+)\S+[ \t]*$/gm)].flatMap((match) =>
    (match[1] ?? '')
      .trim()
      .split(/[ \t]+/)
      .filter((source) => !source.startsWith('--') && !source.includes('/')),
  );
  return [...new Set([...copied, '.dockerignore'])].sort();
}

/** Whether a `paths:` pattern list covers a file (exact entries and `dir/**` globs, as used here). */
export function covers(patterns: string[], file: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : pattern === file,
  );
}

/** Workspace packages a Docker build copies from the context (`COPY packages/<name>/… …`). */
export function imagePackages(root: string, dockerfile: string): string[] {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  const dirs = [...text.matchAll(/^COPY[ \t]+(?!--from)((?:\S+[ \t]+)+)\S+[ \t]*$/gm)].flatMap((match) =>
    (match[1] ?? '')
      .trim()
      .split(/[ \t]+/)
      .flatMap((source) => /^(packages\/[^/]+)\//.exec(source)?.[1] ?? []),
  );
  return [...new Set(dirs)].sort();
}

/** The directory of the Pulumi program (`main:` of the root Pulumi.yaml, default the root). */
function pulumiProgramDir(root: string): string {
  const file = join(root, 'Pulumi.yaml');
  if (!existsSync(file)) return '';
  const main = (parse(readFileSync(file, 'utf8')) as { main?: string } | null)?.main ?? '';
  return main.replace(/^\.\//, '').replace(/\/$/, '');
}

/** The package a `--filter` selector names (its name, or `./dir`); `...` selectors select it too. */
function filteredPackage(workspace: Workspace, filter: string): PackageInfo | undefined {
  const selector = filter.replace(/^\.\.\./, '').replace(/\.\.\.$/, '');
  return workspace.packages.find(
    (pkg) => pkg.name === selector || `./${pkg.dir}` === selector.replace(/\/$/, ''),
  );
}

/**
 * The workspace packages whose files the given steps run, as directories, each with the workspace
 * packages it depends on (transitively): the package of a `pnpm --filter <pkg> <script>` (with its
 * devDependencies: its scripts run them, e.g. tsx and the testkit), the Pulumi program a `pulumi`
 * command or `pulumi/actions` with a `command:` runs and the packages a Docker build copies (with their production dependencies only);
 * a pnpm script run without a filter runs the whole workspace.
 */
export function packagesRun(repo: Pick<Repository, 'root' | 'workspace'>, steps: StepRef[]): string[] {
  const { workspace } = repo;
  const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
  const byDir = new Map(workspace.packages.map((pkg) => [pkg.dir, pkg]));
  const run = new Set<string>();
  const visit = (pkg: PackageInfo | undefined, withDev: boolean) => {
    if (!pkg) return;
    const first = !run.has(pkg.dir);
    run.add(pkg.dir);
    const deps = withDev ? pkg.dependencies : pkg.productionDependencies;
    for (const [name, spec] of Object.entries(deps)) {
      const dependency = byName.get(name);
      if (spec.startsWith('workspace:') && dependency && (first || withDev)) visit(dependency, false);
    }
  };
  for (const { step } of steps) {
    for (const call of findPnpmInvocations(step.run ?? '')) {
      if (call.kind !== 'script') continue;
      if (call.filter === undefined || call.recursive) {
        for (const pkg of workspace.packages) visit(pkg, true);
      } else {
        visit(filteredPackage(workspace, call.filter), true);
      }
    }
    const pulumiAction = stepUses(step, 'pulumi/actions') && typeof step.with?.command === 'string';
    if (pulumiAction || /(^|[\s;&|(])pulumi\s+(up|preview|refresh|destroy)\b/m.test(step.run ?? '')) {
      visit(byDir.get(pulumiProgramDir(repo.root)), false);
    }
    if (stepUses(step, 'docker/build-push-action') && typeof step.with?.file === 'string') {
      for (const dir of imagePackages(repo.root, step.with.file)) visit(byDir.get(dir), false);
    }
  }
  return [...run].sort();
}
