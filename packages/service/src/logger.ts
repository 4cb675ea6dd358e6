import type { Writable } from 'node:stream';
import { type Logger, pino, stdSerializers } from 'pino';
import { Counter, type Registry } from 'prom-client';

export type { Logger };

/** Where pino writes its lines (pino calls `write` once per line). */
export interface LogOutput {
  write(line: string): void;
  /** Hands what is batched to the stream now; `done` runs once the stream has taken it (or at once). */
  flush(done?: () => void): void;
  /** Lines thrown away because the reader of stdout stopped reading (counted, never buffered without bound). */
  readonly droppedLines: number;
}

export interface BatchedOutputOptions {
  /** Default `process.stdout`: on a pipe it never blocks the process (libuv writes to it non-blocking). */
  readonly stream?: Writable;
  /** Lines are handed to the stream in batches of about this many characters... */
  readonly batchChars?: number;
  /** ...or once the first line of a batch has waited this long. */
  readonly maxDelayMs?: number;
  /** While the stream holds this many bytes it could not write yet (a stalled reader), new batches are dropped. */
  readonly maxPendingBytes?: number;
  /** Called when writing works again after lines were dropped, with how many. */
  readonly onDropsEnded?: (dropped: number) => void;
}

const BATCH_CHARS = 4096;
const MAX_DELAY_MS = 1000;
const MAX_PENDING_BYTES = 1024 * 1024;

/**
 * JSON lines to stdout in batches: one write(2) per ~20 request lines instead of one per line (the service's
 * largest per-request cost after the socket itself). A line waits at most `maxDelayMs`; a timer is armed only
 * while a batch waits, so an idle process does no periodic work. The last batch is written on exit.
 *
 * Bounded: when stdout's reader stalls, what the stream could not write stays queued in memory only up to
 * `maxPendingBytes`; later batches are dropped and counted, and the process never blocks on a full pipe (so
 * a shutdown's forced exit is never held up by its final flush). pino's own `pino.destination()` buffers
 * without bound here and flushes synchronously on exit, which blocks for ever on a full blocking pipe.
 */
export function batchedOutput(options: BatchedOutputOptions = {}): LogOutput {
  const stream = options.stream ?? process.stdout;
  const batchChars = options.batchChars ?? BATCH_CHARS;
  const maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
  const maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_BYTES;
  let batch = '';
  let timer: NodeJS.Timeout | undefined;
  let droppedLines = 0;
  let dropsReported = 0;
  let broken = false;
  // A reader that went away (EPIPE): stop writing, keep counting.
  stream.on('error', () => {
    broken = true;
  });

  const countLines = (text: string) => {
    let lines = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
    return lines;
  };

  function writeBatch(): void {
    if (batch === '') return;
    const text = batch;
    batch = '';
    if (broken || stream.writableLength > maxPendingBytes) {
      droppedLines += countLines(text);
      return;
    }
    stream.write(text);
    if (droppedLines > dropsReported) {
      const dropped = droppedLines - dropsReported;
      dropsReported = droppedLines;
      options.onDropsEnded?.(dropped);
    }
  }

  const onTimer = () => {
    timer = undefined;
    writeBatch();
  };

  process.on('exit', writeBatch);

  return {
    write(line) {
      batch += line;
      if (batch.length >= batchChars) writeBatch();
      else if (timer === undefined) {
        timer = setTimeout(onTimer, maxDelayMs);
        timer.unref();
      }
    },
    flush(done) {
      writeBatch();
      if (done === undefined) return;
      if (broken || stream.writableLength === 0) done();
      else stream.once('drain', done);
    },
    get droppedLines() {
      return droppedLines;
    },
  };
}

/**
 * Error fields safe to log: never `rawPacket` (node:http puts up to 64 KiB of the raw request on parser
 * errors, credentials included) or any other buffer of request bytes.
 */
function safeError(error: unknown): unknown {
  const serialised = stdSerializers.err(error as Error) as Record<string, unknown> | undefined;
  if (serialised === undefined || typeof serialised !== 'object') return serialised;
  for (const [key, value] of Object.entries(serialised)) {
    if (key === 'rawPacket' || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) delete serialised[key];
  }
  return serialised;
}

/**
 * JSON lines (time as epoch ms, level as its label) to `output`; `err` fields never carry request bytes.
 * `fields`, when given, adds to every line what it returns (with tracing on: the active trace and span ids).
 */
export function createLogger(
  level: string,
  output: LogOutput = batchedOutput(),
  fields?: () => Record<string, string>,
): Logger {
  return pino(
    {
      level,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: safeError },
      ...(fields === undefined ? {} : { mixin: fields }),
    },
    output,
  );
}

/** `log_lines_dropped_total`: lines `output` threw away while stdout's reader was stalled. */
export function registerLogMetrics(registry: Registry, output: LogOutput): void {
  let counted = 0;
  new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because stdout was not being read (the buffer is bounded)',
    registers: [registry],
    collect() {
      const dropped = output.droppedLines;
      if (dropped > counted) this.inc(dropped - counted);
      counted = dropped;
    },
  });
}
