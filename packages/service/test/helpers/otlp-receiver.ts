import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/**
 * The messages of OTLP's ExportTraceServiceRequest this receiver reads, with the field numbers of
 * opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1). protobufjs does the wire
 * decoding; fields left out here (events, links, dropped counts) are skipped as unknown.
 */
const OTLP_TRACES_SCHEMA = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
  fixed32 flags = 16;
}
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
  }
}
`;
const exportRequest = protobuf.parse(OTLP_TRACES_SCHEMA).root.lookupType('otlp.ExportTraceServiceRequest');

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;

export type AttributeValue = string | number | boolean;

/** One span as a trace backend would show it: ids in hex, attributes as a plain object. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: (typeof KINDS)[number];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly status: { readonly code: (typeof STATUS_CODES)[number]; readonly message: string };
  readonly durationMs: number;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: string;
  /** How it arrived: `application/x-protobuf` or `application/json`. */
  readonly contentType: string;
}

// The two encodings as protobufjs' toObject (camelCase, longs and bytes as strings) and OTLP/JSON give them.
interface WireKeyValue {
  key: string;
  value?: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}
interface WireSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: WireKeyValue[];
  status?: { message?: string; code?: number };
}
interface WireRequest {
  resourceSpans?: {
    resource?: { attributes?: WireKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: WireSpan[] }[];
  }[];
}

function attributeMap(list: WireKeyValue[] | undefined): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (value?.stringValue !== undefined) map[key] = value.stringValue;
    else if (value?.boolValue !== undefined) map[key] = value.boolValue;
    else if (value?.intValue !== undefined) map[key] = Number(value.intValue);
    else if (value?.doubleValue !== undefined) map[key] = value.doubleValue;
  }
  return map;
}

/** protobuf bytes come base64-encoded from toObject; OTLP/JSON ids are already hex (its one exception). */
function hexId(value: string | undefined, encoding: 'base64' | 'hex'): string | undefined {
  if (value === undefined || value === '') return undefined;
  return encoding === 'hex' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

function spansOf(request: WireRequest, contentType: string): ReceivedSpan[] {
  const ids = contentType === 'application/json' ? 'hex' : 'base64';
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hexId(span.traceId, ids) ?? '',
          spanId: hexId(span.spanId, ids) ?? '',
          parentSpanId: hexId(span.parentSpanId, ids),
          name: span.name ?? '',
          kind: KINDS[span.kind ?? 0] ?? 'UNSPECIFIED',
          attributes: attributeMap(span.attributes),
          status: {
            code: STATUS_CODES[span.status?.code ?? 0] ?? 'UNSET',
            message: span.status?.message ?? '',
          },
          durationMs: Number(BigInt(span.endTimeUnixNano ?? 0) - BigInt(span.startTimeUnixNano ?? 0)) / 1e6,
          resource,
          scope: scopeSpans.scope?.name ?? '',
          contentType,
        });
      }
    }
  }
  return spans;
}

function decode(body: Buffer, contentType: string): WireRequest {
  if (contentType === 'application/json') return JSON.parse(body.toString('utf8')) as WireRequest;
  if (contentType === 'application/x-protobuf') {
    return exportRequest.toObject(exportRequest.decode(body), {
      longs: String,
      bytes: String,
    }) as WireRequest;
  }
  throw new Error(`unexpected content-type ${contentType}`);
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export interface OtlpReceiver {
  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly endpoint: string;
  /** Every span received so far. */
  readonly spans: readonly ReceivedSpan[];
  /** Paths the exporter posted to. */
  readonly paths: readonly string[];
  /** Resolves once `match` holds for the spans received (checked at each arrival), or rejects after `timeoutMs`. */
  waitFor(match: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An in-process OTLP/HTTP trace receiver on 127.0.0.1 (protobuf and JSON), answering as a collector does, on
 * `port` (default: one the OS picks).
 */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    bodyOf(req)
      .then((body) => {
        spans.push(...spansOf(decode(body, contentType), contentType));
        for (const wake of waiters) wake();
        // An empty ExportTraceServiceResponse: full success.
        res
          .writeHead(200, { 'content-type': contentType })
          .end(contentType === 'application/json' ? '{}' : '');
      })
      .catch((error: unknown) => {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    spans,
    paths,
    waitFor(match, timeoutMs = 15_000) {
      if (match(spans)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (!match(spans)) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(`spans not received within ${timeoutMs} ms; got: ${JSON.stringify(spans, null, 1)}`),
          );
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
