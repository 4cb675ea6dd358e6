/** What one wrk run measured. */
export interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Answers other than 2xx/3xx, plus socket errors (connect, read, write, timeout). */
  readonly errors: number;
}

const unitMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return Number.NaN;
  return Number(match[1]) * (unitMs[match[2] as string] ?? Number.NaN);
}

/**
 * Parses wrk's report (run with `--latency`): requests, requests/sec, the 50 % and 99 % latencies,
 * non-2xx/3xx answers and socket errors. Throws when the output has no figures (wrk failed).
 */
export function parseWrkOutput(output: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output)?.[1];
  const requests = /^\s*(\d+) requests in /m.exec(output)?.[1];
  if (rps === undefined || requests === undefined)
    throw new Error(`not a wrk report:\n${output.slice(0, 500)}`);
  const percentile = (p: string) => {
    const value = new RegExp(`^\\s+${p}%\\s+([\\d.]+(?:us|ms|s|m))$`, 'm').exec(output)?.[1];
    return value === undefined ? Number.NaN : durationMs(value);
  };
  const non2xx = Number(/^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(requests),
    rps: Number(rps),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors: non2xx + socketErrors,
  };
}
