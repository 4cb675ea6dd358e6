import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  /** Also append stdout and stderr to this file (long builds: read it when something fails). */
  logFile?: string;
  /** Run as this uid/gid (needs root). */
  uid?: number;
  gid?: number;
}

/** Runs a command to completion; never throws for a non-zero exit (callers decide). */
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

export function tail(text: string, lines: number) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** True when `cmd` is on PATH. */
export async function hasCommand(cmd: string) {
  const result = await runCommand('sh', ['-c', `command -v ${cmd}`]);
  return result.code === 0;
}

/**
 * Sends SIGTERM to this process's direct children (engine CLIs, PostgreSQL) and waits up to
 * `graceMs` for them to go: found by parent pid, never by name.
 */
export async function stopChildren(graceMs: number) {
  const listed = await runCommand('pgrep', ['-P', String(process.pid)]);
  const pids = listed.stdout
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}
