/**
 * Seconds a Job spends waiting between failed pods before it gives up: Kubernetes' pod failure
 * back-off starts at 10 s and doubles per retry, capped at 6 minutes (`backoffLimit` retries).
 */
export function podBackOffSeconds(backoffLimit: number): number {
  let total = 0;
  for (let retry = 0; retry < backoffLimit; retry += 1) total += Math.min(10 * 2 ** retry, 360);
  return total;
}
