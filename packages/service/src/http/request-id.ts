import { randomUUID } from 'node:crypto';

// Bounded length and charset: the id is echoed in a header and written to logs.
const SANE_REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/** The caller's `X-Request-Id` when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SANE_REQUEST_ID.test(header)) return header;
  return randomUUID();
}
