import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. Asynchronous writes keep the request path from blocking on a write(2) per line
 * (pino flushes the buffer on a normal exit); the ISO time and the level label make lines readable as is.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
