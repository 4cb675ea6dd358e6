/** Shared between the shutdown sequence (writes) and `/readyz` + response headers (read). */
export interface Readiness {
  /** True from the first shutdown signal on: `/readyz` answers 503 and responses close their connection. */
  draining: boolean;
}

export function createReadiness(): Readiness {
  return { draining: false };
}
