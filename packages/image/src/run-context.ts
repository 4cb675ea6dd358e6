import type { Cleanup } from './cleanup.js';
import type { Engine } from './engine.js';
import type { Rendered } from './kube-play.js';
import type { Report } from './report.js';

/** What every check of one test:image run shares. */
export const IMAGE_TAG = 'localhost/high-available-server:image-test';
/** Helm release name; every container and pod this package makes starts with it. */
export const RELEASE = 'hasrv-it';
export const SECRET_NAME = 'hasrv-it-database';
export const USERNAME = 'imagetest';

/** Kubernetes memory quantity (Mi/Gi) in bytes. */
export function parseMemory(quantity: string | undefined) {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (!match?.[1]) return undefined;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
}

/** The database the image and the pod run against: a fresh one on the testkit's PostgreSQL. */
export interface TestDatabaseServer {
  /** postgres://user:password@127.0.0.1:port/<database> (the host network reaches it). */
  url: string;
  /** Runs one SQL statement and answers the first column of its first row, as text. */
  scalar(sql: string): Promise<string>;
}

export interface Context {
  engine: Engine;
  cleanup: Cleanup;
  report: Report;
  log: (line: string) => void;
  runDir: string;
  rendered: Rendered;
  postgres: TestDatabaseServer;
}

export function chartEnv(rendered: Rendered) {
  return { ...(rendered.configMap.data ?? {}) } as Record<string, string>;
}
