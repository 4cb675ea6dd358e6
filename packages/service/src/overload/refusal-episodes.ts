import { performance } from 'node:perf_hooks';

export interface RefusalEpisodes {
  /** One refusal (a 503, a dropped connection): cheap, called on the refusal path only. */
  record(): void;
}

/**
 * Turns a stream of refusals into two log lines per episode: `onStart` at the first refusal, `onEnd` with
 * the count once `quietMs` passes without one. Refusals come in bursts exactly when the process has the
 * least CPU to spare, so they are counted by metrics and logged as state changes, never one line each.
 * A timer runs only during an episode.
 */
export function refusalEpisodes({
  onStart,
  onEnd,
  quietMs = 1000,
}: {
  onStart: () => void;
  onEnd: (refused: number) => void;
  quietMs?: number;
}): RefusalEpisodes {
  let refused = 0;
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const quietFor = performance.now() - lastAt;
    if (quietFor < quietMs) {
      timer = setTimeout(check, quietMs - quietFor);
      timer.unref();
      return;
    }
    timer = undefined;
    const count = refused;
    refused = 0;
    onEnd(count);
  };
  return {
    record() {
      refused++;
      lastAt = performance.now();
      if (timer !== undefined) return;
      onStart();
      timer = setTimeout(check, quietMs);
      timer.unref();
    },
  };
}
