import { type Logger, pino } from 'pino';

export type { Logger };

/** Log lines wait in memory until this many bytes are due, or until the next flush tick. */
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 1000;

/**
 * JSON lines on stdout, written in batches: one write(2) per ~20 request lines instead of one per line
 * (the service's largest per-request cost after the socket itself). A line waits at most a second; pino
 * flushes what is left on exit, so graceful shutdowns and fatal errors lose nothing — only a SIGKILL can
 * take the last second with it. The time is epoch milliseconds (pino's default, no date formatting per
 * line); the level is its label.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  const logger = pino({ level, formatters: { level: (label) => ({ level: label }) } }, destination);
  setInterval(() => logger.flush(), FLUSH_EVERY_MS).unref();
  return logger;
}
