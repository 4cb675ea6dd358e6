import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** How a child process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when the exit was seen. */
  readonly at: number;
}

/** Resolves once the child has exited (immediately when it already has). */
export function exitOf(child: ChildProcess): Promise<ProcessExit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode, at: performance.now() });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
}

/** Sends `signal`, escalates to SIGKILL after `graceMs`, resolves when the child is gone. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<ProcessExit> {
  const exited = exitOf(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns true; throws `message` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs = 50, message }: { timeoutMs: number; intervalMs?: number; message: string },
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${message} (waited ${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}
