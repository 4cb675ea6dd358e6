import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isStoreUnavailable } from './unavailable.js';

export interface RetryOptions {
  /** Give up (rethrow the last error) once this much time has passed since the first attempt. */
  readonly timeoutMs: number;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, retrying with exponential backoff only while the database is
 * unreachable: a pod that starts before its database waits for it instead of crash-looping at once.
 * Any other error (bad SQL, checksum mismatch, wrong password) is rethrown immediately.
 */
export async function retryWhileUnavailable<T>(
  what: string,
  attempt: () => Promise<T>,
  options: RetryOptions,
  logger: Logger,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = options.initialDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 4000;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      const remainingMs = deadline - Date.now();
      if (!isStoreUnavailable(error) || remainingMs <= 0) throw error;
      const pauseMs = Math.min(delayMs, remainingMs);
      logger.warn(
        { err: error, attempt: attemptNumber, retryInMs: pauseMs },
        `${what}: database unavailable, retrying`,
      );
      await sleep(pauseMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
