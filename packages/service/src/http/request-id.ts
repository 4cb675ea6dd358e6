import { randomUUID } from 'node:crypto';

// Bounded length and charset: the id is echoed in a header and written to logs.
const SANE_REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

declare const checked: unique symbol;
/** A request id safe to write into a response head as it is (no CR, LF or other control characters). */
export type RequestId = string & { readonly [checked]: true };

/** The caller's `X-Request-Id` when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): RequestId {
  if (typeof header === 'string' && SANE_REQUEST_ID.test(header)) return header as RequestId;
  return randomUUID() as RequestId;
}
