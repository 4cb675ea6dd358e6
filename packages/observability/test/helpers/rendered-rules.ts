import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type ChartInput,
  fullname,
  loadHelm,
  type Manifest,
  namespace,
} from '@high-available-server/chart/helm';
import { stringify } from 'yaml';
import { locatePrometheusTools } from '../../src/prometheus-tools.js';
import type { RuleGroup } from '../../src/rules.js';

const run = promisify(execFile);

export { fullname, namespace };

/** The chart's values that render the PrometheusRule: monitoring on. */
export const monitoringOn: ChartInput = { set: { 'serviceMonitor.enabled': true } };

export const helm = await loadHelm();
export const tools = await locatePrometheusTools();

export async function renderedPrometheusRule(input: ChartInput = monitoringOn): Promise<Manifest> {
  const rules = (await helm.render(input)).filter((manifest) => manifest.kind === 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule, rendered ${rules.length}`);
  return rules[0] as Manifest;
}

export async function renderedGroups(input: ChartInput = monitoringOn): Promise<RuleGroup[]> {
  return (await renderedPrometheusRule(input)).spec.groups;
}

/** A Prometheus rule file (what the Operator writes from a PrometheusRule's spec) in a fresh temp dir. */
export async function writeRuleFile(groups: readonly RuleGroup[], name = 'rules.yaml'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'observability-rules-'));
  const file = path.join(dir, name);
  await writeFile(file, stringify({ groups }));
  return file;
}

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs promtool; resolves with its exit status and everything it printed. */
export async function promtool(args: readonly string[], cwd?: string): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(tools.promtool, [...args], { cwd, timeout: 120_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` || failure.message };
  }
}
