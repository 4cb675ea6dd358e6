import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** A Prometheus duration as rule windows use it: a whole number of minutes, hours or days. */
export type Window = `${number}${'m' | 'h' | 'd'}`;

export interface BurnRateAlert {
  /** `fast` or `slow`: the `burn` label of the alert it makes. */
  readonly name: string;
  /** Multiple of the budget's even spend rate that fires the alert. */
  readonly burnRate: number;
  readonly longWindow: Window;
  readonly shortWindow: Window;
  readonly severity: 'critical' | 'warning';
}

export interface Slos {
  readonly period: Window;
  readonly availability: { readonly objective: number };
  readonly latency: { readonly objective: number; readonly thresholdSeconds: number };
  readonly burnRateAlerts: readonly BurnRateAlert[];
}

export const sloFile = fileURLToPath(new URL('../slo.yaml', import.meta.url));

export class SloError extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SloError(`${where} must be a mapping`);
  return value as Record<string, unknown>;
}

function ratio(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1))
    throw new SloError(`${where} must be a number between 0 and 1 (exclusive), e.g. 0.999; got ${value}`);
  return value;
}

function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw new SloError(`${where} must be a positive number`);
  return value;
}

function window(value: unknown, where: string): Window {
  if (typeof value !== 'string' || !/^[1-9][0-9]*[mhd]$/.test(value))
    throw new SloError(`${where} must be a duration like 5m, 1h or 30d; got ${value}`);
  return value as Window;
}

export function windowSeconds(value: Window): number {
  const unit = { m: 60, h: 3600, d: 86400 }[value.slice(-1) as 'm' | 'h' | 'd'];
  return Number(value.slice(0, -1)) * unit;
}

/** Validates what slo.yaml holds; throws an SloError naming the field. */
export function parseSlos(text: string): Slos {
  const root = record(parse(text), 'slo.yaml');
  const availability = record(root.availability, 'availability');
  const latency = record(root.latency, 'latency');
  if (!Array.isArray(root.burnRateAlerts) || root.burnRateAlerts.length === 0)
    throw new SloError('burnRateAlerts must list at least one alert');
  const names = new Set<string>();
  const burnRateAlerts = root.burnRateAlerts.map((entry, index): BurnRateAlert => {
    const where = `burnRateAlerts[${index}]`;
    const alert = record(entry, where);
    if (typeof alert.name !== 'string' || !/^[a-z]+$/.test(alert.name) || names.has(alert.name))
      throw new SloError(`${where}.name must be a unique lower-case word`);
    names.add(alert.name);
    if (alert.severity !== 'critical' && alert.severity !== 'warning')
      throw new SloError(`${where}.severity must be critical or warning`);
    const longWindow = window(alert.longWindow, `${where}.longWindow`);
    const shortWindow = window(alert.shortWindow, `${where}.shortWindow`);
    if (windowSeconds(shortWindow) >= windowSeconds(longWindow))
      throw new SloError(`${where}.shortWindow must be shorter than its longWindow`);
    return {
      name: alert.name,
      burnRate: positive(alert.burnRate, `${where}.burnRate`),
      longWindow,
      shortWindow,
      severity: alert.severity,
    };
  });
  const slos: Slos = {
    period: window(root.period, 'period'),
    availability: { objective: ratio(availability.objective, 'availability.objective') },
    latency: {
      objective: ratio(latency.objective, 'latency.objective'),
      thresholdSeconds: positive(latency.thresholdSeconds, 'latency.thresholdSeconds'),
    },
    burnRateAlerts,
  };
  for (const alert of burnRateAlerts) {
    for (const slo of ['availability', 'latency'] as const) {
      if (alert.burnRate * errorBudget(slos[slo].objective) >= 1)
        throw new SloError(`${alert.name}: burn rate ${alert.burnRate} x the ${slo} budget is 100 % or more`);
    }
  }
  return slos;
}

export function loadSlos(path: string = sloFile): Slos {
  return parseSlos(readFileSync(path, 'utf8'));
}

/** 1 - objective, rounded so that 1 - 0.999 prints as 0.001. */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(12));
}

/** A number as PromQL and people read it: no float noise (14.4 * 0.001 → 0.0144). */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}
