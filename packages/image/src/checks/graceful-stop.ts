import { containerState } from '../container.js';
import type { Engine } from '../engine.js';
import { request, waitForStatus } from '../http.js';

export interface GracefulStopOptions {
  engine: Engine;
  /** The command that delivers SIGTERM and waits, e.g. `stop -t 35 <name>`. */
  stopArgs: string[];
  /** Container whose exit code counts. */
  container: string;
  baseUrl: string;
  username: string;
  /** Seconds SIGTERM may take before SIGKILL (the grace period left after preStop). */
  graceSeconds: number;
  /** SHUTDOWN_DELAY_MS: the service keeps serving this long after SIGTERM. */
  delayMs: number;
}

/**
 * SIGTERM as the kubelet sends it: /readyz must turn 503 at once while requests are still served
 * during the shutdown delay, then the process exits 0 before the grace period runs out.
 */
export async function checkGracefulStop(options: GracefulStopOptions) {
  const { engine, baseUrl } = options;
  const started = Date.now();
  const stopping = engine.run(options.stopArgs, { timeoutMs: (options.graceSeconds + 30) * 1000 });
  const observations: string[] = [];
  if (options.delayMs >= 2000) {
    // Only meaningful when the delay leaves time to look.
    await waitForStatus(`${baseUrl}/readyz`, 503, Math.min(options.delayMs, 3000));
    observations.push(`readyz 503 after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const get = await request(`${baseUrl}/hello/${options.username}`);
    if (get.status !== 200) throw new Error(`GET during the shutdown delay answered ${get.status}`);
    observations.push('GET still 200 during the delay');
  }
  const stopped = await stopping;
  const seconds = (Date.now() - started) / 1000;
  const state = await containerState(engine, options.container);
  if (stopped.code !== 0) throw new Error(`${options.stopArgs.join(' ')} failed: ${stopped.stderr.trim()}`);
  if (!state) throw new Error(`container ${options.container} vanished before its exit code was read`);
  if (state.exitCode !== 0) {
    throw new Error(
      `exit code ${state.exitCode} after ${seconds.toFixed(1)} s (137 = SIGKILL at the end of the grace period)`,
    );
  }
  if (seconds >= options.graceSeconds) {
    throw new Error(`took ${seconds.toFixed(1)} s, not within the ${options.graceSeconds} s grace period`);
  }
  return `exit 0 after ${seconds.toFixed(1)} s of ${options.graceSeconds} s grace; ${observations.join(', ')}`;
}
