import { writeFile } from 'node:fs/promises';
import { tail } from '@high-available-server/testkit/process';
import { stringify } from 'yaml';
import type { Cleanup } from '../cleanup.js';
import { containerLogs } from '../container.js';
import type { Engine } from '../engine.js';
import { type KubeObject, kubePlay, type PodSpec, podContainers } from '../kube-play.js';

/** Plays one manifest file, registers the pod's removal, and returns its app containers. */
export async function playAndTrack(engine: Engine, cleanup: Cleanup, file: string) {
  const played = await kubePlay(engine, file);
  cleanup.add(`pod ${played.podId.slice(0, 12)}`, async () => {
    await engine.run(['pod', 'rm', '-f', '-t', '0', played.podId], { timeoutMs: 120_000 });
  });
  const containers = await podContainers(engine, played.podId);
  if (containers.length === 0) throw new Error(`pod ${played.podId} has no app container`);
  return { podId: played.podId, containers };
}

/** Waits for a run-to-completion container (Job-like pod) and requires exit 0. */
export async function waitForSuccess(engine: Engine, container: string, timeoutMs: number) {
  const waited = await engine.run(['wait', container], { timeoutMs });
  if (waited.timedOut) throw new Error(`${container} still running after ${timeoutMs / 1000} s`);
  const exitCode = Number(waited.stdout.trim());
  const logs = await containerLogs(engine, container);
  if (waited.code !== 0 || exitCode !== 0) {
    throw new Error(
      `${container} exited ${waited.stdout.trim() || waited.stderr.trim()}:\n${tail([...logs.stdout, ...logs.stderr].join('\n'), 20)}`,
    );
  }
  return logs;
}

/**
 * The chart's `helm test` Pod, pointed at the pod on 127.0.0.1: it reaches the release through the
 * Service's DNS name in a cluster, and there is no Service (nor cluster DNS) under kube play.
 */
export async function writeHelmTestPod(testPod: KubeObject, baseUrl: string, file: string) {
  const pod = structuredClone(testPod);
  const spec = pod.spec as unknown as PodSpec;
  spec.hostNetwork = true;
  for (const container of spec.containers) {
    delete container.ports;
    container.env = (container.env ?? []).map((variable) =>
      variable.name === 'BASE_URL' ? { name: 'BASE_URL', value: baseUrl } : variable,
    );
  }
  if (pod.metadata?.annotations) delete pod.metadata.annotations;
  await writeFile(file, stringify(pod));
  return file;
}
