import {
  type Attributes,
  type ContextManager,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { Queryable, QueryableDecorator, SqlStatement } from '../store/sql.js';

/** Where the database is, for the spans (never the credentials). */
export interface DatabaseLocation {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** The SQLSTATE of a failed query: on the error, or on its cause (the store wraps outages). */
function sqlState(error: unknown): string | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function statementAttributes(statement: SqlStatement, location: DatabaseLocation | undefined): Attributes {
  const summary =
    statement.collection === undefined
      ? statement.operation
      : `${statement.operation} ${statement.collection}`;
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_DB_OPERATION_NAME]: statement.operation,
    [ATTR_DB_QUERY_SUMMARY]: summary,
    // Parameterised: the values are never in the text, so it is safe to record as is.
    [ATTR_DB_QUERY_TEXT]: statement.text,
  };
  if (statement.collection !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = statement.collection;
  if (location !== undefined) {
    attributes[ATTR_DB_NAMESPACE] = location.database;
    attributes[ATTR_SERVER_ADDRESS] = location.host;
    attributes[ATTR_SERVER_PORT] = location.port;
  }
  return attributes;
}

/**
 * Wraps the store's queries in CLIENT spans named by the query summary (`SELECT users`), children of the
 * active span: only inside a traced request. Queries outside one (readiness pings from probes and scrapes)
 * would each start a trace of their own, all noise, so they get none.
 */
export function traceQueries(
  tracer: Tracer,
  contextManager: ContextManager,
  location: DatabaseLocation | undefined,
): QueryableDecorator {
  // Attributes depend on the statement only: computed once per statement, not per query.
  const attributesOf = new Map<SqlStatement, Attributes>();
  return (db: Queryable): Queryable => ({
    async query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<readonly Row[]> {
      const parent = contextManager.active();
      if (trace.getSpan(parent) === undefined) return db.query<Row>(statement, values);
      let attributes = attributesOf.get(statement);
      if (attributes === undefined) {
        attributes = statementAttributes(statement, location);
        attributesOf.set(statement, attributes);
      }
      const span = tracer.startSpan(
        String(attributes[ATTR_DB_QUERY_SUMMARY]),
        { kind: SpanKind.CLIENT, attributes },
        parent,
      );
      try {
        return await contextManager.with(trace.setSpan(parent, span), () => db.query<Row>(statement, values));
      } catch (error) {
        const state = sqlState(error);
        if (state !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, state);
        span.setAttribute(ATTR_ERROR_TYPE, state ?? (error instanceof Error ? error.name : 'Error'));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  });
}
