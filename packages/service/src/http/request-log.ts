import { hostname } from 'node:os';
import type { Logger } from '../logger.js';

export interface RequestLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
}

/** Writes the one log line of a request. */
export type RequestLog = (entry: RequestLogEntry) => void;

/**
 * The per-request line, in the format of every other line (pino's: level, time, pid, hostname, fields, msg),
 * built from a template whose constant parts are made once here. pino's generic path (escaping every key and
 * value, the level formatter) cost about a tenth of a request's CPU. No field needs escaping: request ids are
 * `[\w.:/+=-]` or UUIDs (`requestIdFrom`), methods are the tokens node:http accepts, routes are declared
 * paths or `unmatched` (quoted once each, so even those stay correct if a path ever needed escaping), the
 * rest are numbers. Honours the logger's level.
 */
export function createRequestLog(logger: Logger, write: (line: string) => void): RequestLog {
  if (!logger.isLevelEnabled('info')) return () => {};
  const bindings = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  const quoted = new Map<string, string>();
  const quote = (text: string) => {
    let json = quoted.get(text);
    if (json === undefined) {
      json = JSON.stringify(text);
      if (quoted.size < 1000) quoted.set(text, json);
    }
    return json;
  };
  return ({ requestId, method, route, status, durationMs }) => {
    write(
      `{"level":"info","time":${Date.now()}${bindings},"requestId":"${requestId}","method":${quote(method)},"route":${quote(route)},"status":${status},"durationMs":${durationMs},"msg":"request"}\n`,
    );
  };
}
