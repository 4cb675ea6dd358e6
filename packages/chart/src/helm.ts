import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../scripts/ensure-helm.js';
import { chartDir } from './index.js';

const run = promisify(execFile);

export { chartDir };
export const releaseName = 'hello';
export const namespace = 'hello-ns';
export const fullname = `${releaseName}-high-available-server`;

/** A rendered Kubernetes object; fields are read through the helpers in manifests.ts. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML is checked by the tests, not the compiler
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  [field: string]: any;
}

export interface ChartInput {
  /** Values files relative to the chart, e.g. 'values-eks.yaml'. */
  readonly valuesFiles?: readonly string[];
  /** Values files anywhere (absolute paths), applied after `valuesFiles`: e.g. what a deployer passes. */
  readonly externalValuesFiles?: readonly string[];
  /** --set key=value pairs (Helm parses the type; null deletes the key). */
  readonly set?: Readonly<Record<string, string | number | boolean | null>>;
  /** --set-string key=value pairs. */
  readonly setString?: Readonly<Record<string, string>>;
  /** Kubernetes version Helm assumes (--kube-version); Helm's own default otherwise. */
  readonly kubeVersion?: string;
  /** Another copy of the chart to render (a directory or a packaged .tgz); the repository's by default. */
  readonly chart?: string;
}

export interface Helm {
  readonly binary: string;
  /** helm template; resolves with every rendered object (hooks and test pods included). */
  render(input?: ChartInput): Promise<Manifest[]>;
  /** helm template expected to fail; resolves with helm's error output. */
  renderError(input?: ChartInput): Promise<string>;
  /** helm lint --strict; resolves with its output, rejects when lint fails. */
  lint(input?: ChartInput): Promise<string>;
  /** The NOTES.txt a user sees after install (helm install --dry-run=client, no cluster needed). */
  notes(input?: ChartInput): Promise<string>;
}

function valueArgs(input: ChartInput): string[] {
  const args: string[] = [];
  for (const file of input.valuesFiles ?? []) args.push('--values', path.join(chartDir, file));
  for (const file of input.externalValuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(input.set ?? {})) args.push('--set', `${key}=${value}`);
  for (const [key, value] of Object.entries(input.setString ?? {}))
    args.push('--set-string', `${key}=${value}`);
  return args;
}

function templateArgs(input: ChartInput): string[] {
  const kubeVersion = input.kubeVersion ? ['--kube-version', input.kubeVersion] : [];
  const chart = input.chart ?? chartDir;
  return ['template', releaseName, chart, '--namespace', namespace, ...kubeVersion, ...valueArgs(input)];
}

export async function loadHelm(): Promise<Helm> {
  const binary = await ensureHelm();
  const helm = (args: string[]) => run(binary, args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  // helm template is deterministic: one run per distinct input and test file is enough.
  const renders = new Map<string, Promise<string>>();
  const template = (input: ChartInput) => {
    const args = templateArgs(input);
    const key = JSON.stringify(args);
    let output = renders.get(key);
    if (!output) {
      output = helm(args).then(({ stdout }) => stdout);
      renders.set(key, output);
    }
    return output;
  };
  return {
    binary,
    async render(input = {}) {
      const stdout = await template(input);
      // Fresh objects on every call, so a test that mutates them cannot affect another.
      return parseAllDocuments(stdout)
        .map((document) => {
          if (document.errors.length > 0)
            throw new Error(`helm rendered invalid YAML: ${document.errors[0]}`);
          return document.toJS() as Manifest | null;
        })
        .filter((manifest): manifest is Manifest => manifest !== null);
    },
    async renderError(input = {}) {
      try {
        await template(input);
      } catch (error) {
        return String((error as { stderr?: string }).stderr ?? error);
      }
      throw new Error(`helm template succeeded but was expected to fail for ${JSON.stringify(input)}`);
    },
    async lint(input = {}) {
      try {
        const { stdout } = await helm(['lint', '--strict', chartDir, ...valueArgs(input)]);
        return stdout;
      } catch (error) {
        const failure = error as { stdout?: string; stderr?: string };
        throw new Error(`helm lint --strict failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
      }
    },
    async notes(input = {}) {
      const args = [
        'install',
        releaseName,
        chartDir,
        '--namespace',
        namespace,
        '--dry-run=client',
        ...valueArgs(input),
      ];
      const { stdout } = await helm(args);
      const start = stdout.indexOf('\nNOTES:\n');
      if (start < 0) throw new Error(`helm install --dry-run printed no NOTES:\n${stdout}`);
      return stdout.slice(start + '\nNOTES:\n'.length);
    },
  };
}
