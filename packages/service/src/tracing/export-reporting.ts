import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from '../logger.js';

/**
 * Wraps the span exporter so failures reach the log: one `warn` when exporting starts failing (with the
 * reason and how many spans that batch lost) and one `info` when it works again with the count lost in
 * between, never a line per batch (a collector that is down would otherwise log every few seconds).
 */
export function reportExportFailures(exporter: SpanExporter, logger: Logger): SpanExporter {
  let lostSinceFailing: number | undefined;
  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          if (lostSinceFailing !== undefined) {
            logger.info({ lostSpans: lostSinceFailing }, 'trace export working again');
            lostSinceFailing = undefined;
          }
        } else if (lostSinceFailing === undefined) {
          lostSinceFailing = spans.length;
          logger.warn(
            { lostSpans: spans.length, reason: result.error?.message },
            'trace export failing: spans are dropped until the collector accepts them',
          );
        } else {
          lostSinceFailing += spans.length;
        }
        resultCallback(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
