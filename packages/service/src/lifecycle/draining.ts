/**
 * Whether this process is draining: set once by the shutdown sequence, read by `/readyz` (503 while
 * draining) and by every response (`Connection: close` while draining, so clients move to another replica).
 */
export interface DrainState {
  draining: boolean;
}

export function createDrainState(): DrainState {
  return { draining: false };
}
