/**
 * The one child-process runner of the repository's tests, drills and tools: run a command to
 * completion, or watch a long-running child (its lines, its exit) and stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface CommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly input?: string;
  /** Also append stdout and stderr to this file (long builds: read it when something fails). */
  readonly logFile?: string;
  /** Run as this uid/gid (needs root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** Runs a command to completion; never rejects for a non-zero exit (callers decide), only when it cannot start. */
export function runCommand(cmd: string, args: readonly string[], options: CommandOptions = {}) {
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
    });
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      log?.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      log?.write(chunk);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      log?.end();
      reject(new Error(`cannot start ${cmd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      log?.end();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    if (child.stdin) {
      // A child that exits before reading its input is its own failure, not ours to crash on.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

/** Runs a command and throws with its output tail unless it exits 0. */
export async function mustRun(cmd: string, args: readonly string[], options: CommandOptions = {}) {
  const result = await runCommand(cmd, args, options);
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited ${result.code}`;
    throw new Error(`${cmd} ${args.join(' ')} ${why}\n${tail(result.stderr || result.stdout, 40)}`);
  }
  return result;
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** True when `cmd` is on PATH. */
export async function hasCommand(cmd: string) {
  const result = await runCommand('sh', ['-c', 'command -v "$1"', 'sh', cmd]);
  return result.code === 0;
}

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
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `onLine` with each complete line `stream` emits (UTF-8), without the newline. */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
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

/** True while a process with this pid exists (and we may signal it, or it belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sends SIGTERM to this process's direct children and waits up to `graceMs` for them to go: found
 * by parent pid, never by name.
 */
export async function stopChildren(graceMs: number) {
  const listed = await runCommand('pgrep', ['-P', String(process.pid)]);
  const pids = listed.stdout
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
}
