// How the stack's node counts split over the per-AZ node groups (one group per AZ, so the
// autoscaler can add a node in the very zone a pending pod needs).

export interface NodeCounts {
  min: number;
  desired: number;
  max: number;
}

/** `total` spread as evenly as possible over `zones`, the first zones taking the remainder. */
function spread(total: number, zones: number): number[] {
  return Array.from(
    { length: zones },
    (_, zone) => Math.floor(total / zones) + (zone < total % zones ? 1 : 0),
  );
}

/**
 * Per-zone min/desired/max whose sums are the stack's totals. Spreading each total the same way
 * keeps min <= desired <= max in every zone whenever it holds for the totals.
 */
export function nodeCountsPerZone(total: NodeCounts, zones: number): NodeCounts[] {
  const [min, desired, max] = [
    spread(total.min, zones),
    spread(total.desired, zones),
    spread(total.max, zones),
  ];
  return Array.from({ length: zones }, (_, zone) => ({
    min: min[zone] ?? 0,
    desired: desired[zone] ?? 0,
    max: max[zone] ?? 0,
  }));
}
