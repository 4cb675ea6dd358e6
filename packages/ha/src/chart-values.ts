import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The chart's settings the drill runs its replicas with, so the drill tests what the chart deploys. */
export interface ChartSettings {
  /** `resources.limits.memory` in bytes (each pod's container), undefined when the chart sets none. */
  readonly memoryLimitBytes: number | undefined;
  /** The quantity as written in values.yaml, for reports. */
  readonly memoryLimit: string | undefined;
}

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const decimal: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A Kubernetes memory quantity ("256Mi", "0.5Gi", "300M", "1048576") in bytes. */
export function parseMemoryQuantity(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a Kubernetes memory quantity: "${quantity}"`);
  const unit = match[2] ?? '';
  return Math.round(Number(match[1]) * (binary[unit] ?? decimal[unit] ?? 1));
}

/** Reads the chart's default values (the package's values.yaml, resolved through its package name). */
export async function chartSettings(): Promise<ChartSettings> {
  const path = fileURLToPath(import.meta.resolve('@high-available-server/chart/values.yaml'));
  const values = parse(await readFile(path, 'utf8')) as {
    resources?: { limits?: { memory?: string | number } };
  };
  const memory = values.resources?.limits?.memory;
  if (memory === undefined) return { memoryLimitBytes: undefined, memoryLimit: undefined };
  return { memoryLimitBytes: parseMemoryQuantity(String(memory)), memoryLimit: String(memory) };
}
