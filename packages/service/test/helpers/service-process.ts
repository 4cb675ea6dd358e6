import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitOf, onLines } from '@high-available-server/testkit/process';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines from stdout so far. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILL if still running; for teardown. */
  kill(): void;
}

/**
 * The real service (`src/main.ts` through tsx) as a child process, with `env` on top of a minimal environment
 * and `nodeArguments` before the script (e.g. another `--import`).
 */
export function startServiceProcess(
  env: Record<string, string>,
  nodeArguments: string[] = [],
): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArguments, 'src/main.ts'], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  if (child.stdout) {
    onLines(child.stdout, (text) => {
      if (text.trim() === '') return;
      const line = JSON.parse(text) as Record<string, unknown>;
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
  }
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = exitOf(child).then(({ code, signal }) => code ?? signal ?? 'unknown');
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog(match, timeoutMs = 15_000) {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`the service exited before logging the expected line; stderr: ${stderr}`));
        });
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Starts the service on OS-chosen 127.0.0.1 ports with the memory store; resolves once it listens. */
export async function startListeningService(
  env: Record<string, string> = {},
  nodeArguments: string[] = [],
): Promise<{ service: ServiceProcess; port: number; managementPort: number }> {
  const service = startServiceProcess(
    {
      STORE: 'memory',
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGEMENT_PORT: '0',
      ...env,
    },
    nodeArguments,
  );
  try {
    const listening = await service.waitForLog(
      (line) => typeof line.port === 'number' && line.startupMs !== undefined,
    );
    return { service, port: listening.port as number, managementPort: listening.managementPort as number };
  } catch (error) {
    service.kill();
    throw error;
  }
}
