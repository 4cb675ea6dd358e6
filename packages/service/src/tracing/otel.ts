/**
 * OpenTelemetry tracing, loaded by the composition root with a dynamic import only when an OTLP endpoint is
 * configured: an untraced process never loads any of this. Nothing is registered globally (no global tracer
 * provider, context manager or propagator): the pieces are passed to the decorators that use them.
 */
import type { RequestListener } from 'node:http';
import { type ContextManager, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import type { HttpMetrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import { databaseLocation } from '../store/postgres.js';
import type { QueryableDecorator } from '../store/sql.js';
import { reportExportFailures } from './export-reporting.js';
import { routeNaming, traceRequests } from './http-spans.js';
import { type DatabaseLocation, traceQueries } from './query-spans.js';

/** `service.name` unless `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) says otherwise. */
const SERVICE_NAME = 'high-available-server';
const INSTRUMENTATION_SCOPE = '@high-available-server/service';

/** Which context is active: the request's span, across every await of its handling (AsyncLocalStorage). */
export interface TraceContext {
  readonly contextManager: ContextManager;
  /** The active span's ids for a log line (`trace_id`, `span_id`, `trace_flags`), or nothing outside a span. */
  logFields(): Record<string, string>;
}

export function createTraceContext(): TraceContext {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  return {
    contextManager,
    logFields(): Record<string, string> {
      const span = trace.getSpan(contextManager.active());
      if (span === undefined) return {};
      const { traceId, spanId, traceFlags } = span.spanContext();
      // A fresh object each call: pino merges the line's own fields into it.
      return {
        trace_id: traceId,
        span_id: spanId,
        trace_flags: traceFlags & TraceFlags.SAMPLED ? '01' : '00',
      };
    },
  };
}

export interface TracingTargets {
  /** `DATABASE_URL`, for the query spans' server.address / server.port / db.namespace. */
  readonly databaseUrl?: string | undefined;
  /** Paths of the API listener that get no span (the load balancer's health check). */
  readonly untracedPaths: ReadonlySet<string>;
}

/** The decorators the composition root applies, and the flush for shutdown. */
export interface Tracing {
  /** Server spans around the API listener's requests. */
  readonly requests: (listener: RequestListener) => RequestListener;
  /** Names each server span after its route, as the app reports it to the request metrics. */
  readonly routes: (metrics: HttpMetrics) => HttpMetrics;
  /** Client spans for the store's queries, children of the request that made them. */
  readonly queries: QueryableDecorator;
  /** Exports the spans still buffered and stops; gives up after `timeoutMs` (a dead collector never holds the exit). */
  shutdown(timeoutMs: number): Promise<void>;
}

function samplerFor(config: TracingConfig): Sampler {
  const name = config.sampler.replace(/^parentbased_/, '');
  const root =
    name === 'always_on'
      ? new AlwaysOnSampler()
      : name === 'always_off'
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(config.samplerRatio);
  // Parent-based (the default): a caller's sampled flag decides, so a trace is kept or dropped whole.
  return config.sampler.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

function locationOf(databaseUrl: string | undefined): DatabaseLocation | undefined {
  if (databaseUrl === undefined) return undefined;
  const { host, port, database } = databaseLocation(databaseUrl);
  if (host === undefined || port === undefined || database === undefined) return undefined;
  return { host, port: Number(port), database };
}

/**
 * Starts the SDK: spans are batched (BatchSpanProcessor's defaults: every 5 s or 512 spans, at most 2048
 * queued, the rest dropped) and sent by OTLP/HTTP to `config.tracesUrl`. The exporter reads its other
 * standard variables itself (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, _CERTIFICATE...), the
 * resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracing(
  config: TracingConfig,
  context: TraceContext,
  logger: Logger,
  targets: TracingTargets,
): Tracing {
  const { contextManager } = context;
  const exporter =
    config.protocol === 'http/json'
      ? new OtlpJsonExporter({ url: config.tracesUrl })
      : new OtlpProtobufExporter({ url: config.tracesUrl });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME }))
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerFor(config),
    spanProcessors: [new BatchSpanProcessor({ exporter: reportExportFailures(exporter, logger) })],
  });
  const tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
  return {
    requests: traceRequests({
      tracer,
      contextManager,
      propagator: new W3CTraceContextPropagator(),
      untracedPaths: targets.untracedPaths,
    }),
    routes: routeNaming(contextManager),
    queries: traceQueries(tracer, contextManager, locationOf(targets.databaseUrl)),
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([
        provider.shutdown().then(() => 'flushed' as const),
        timedOut,
      ]).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      clearTimeout(timer);
      if (outcome !== 'flushed')
        logger.warn({ outcome, timeoutMs }, 'shutdown: buffered spans not all exported');
    },
  };
}
