import type { Job, Step } from './workflows.js';

// Jobs that run the Pulumi program against a cloud stack (state in S3, AWS credentials), as
// opposed to the throwaway minikube stack on the runner's local backend.

export function runsPulumiUp(step: Step): boolean {
  return (
    /\bpulumi\s+up\b/.test(step.run ?? '') ||
    (step.uses?.startsWith('pulumi/actions@') === true && step.with?.command === 'up')
  );
}

export function usesLocalBackend(job: Job): boolean {
  return (job.steps ?? []).some((step) => /\bpulumi\s+login\s+--local\b/.test(step.run ?? ''));
}

export function isCloudDeploy(job: Job): boolean {
  return (job.steps ?? []).some(runsPulumiUp) && !usesLocalBackend(job);
}

/** The stack a job works on: `env.STACK`, or the `stack-name` input of pulumi/actions. */
export function stackOf(job: Job): string | undefined {
  if (typeof job.env?.STACK === 'string') return job.env.STACK;
  const input = (job.steps ?? []).find(
    (step) => step.uses?.startsWith('pulumi/actions@') && step.with?.['stack-name'],
  )?.with?.['stack-name'];
  return typeof input === 'string' ? input : undefined;
}

/** `timeout --signal=INT --kill-after=<k>m <n>m pulumi up …` in a script: [n, k] in minutes. */
export function pulumiUpTimeout(script: string): [number, number] | undefined {
  const joined = script.replace(/\\\n\s*/g, ' ');
  const match = /\btimeout\s+--signal=INT\s+--kill-after=(\d+)m\s+(\d+)m\s+pulumi\s+up\b/.exec(joined);
  return match ? [Number(match[2]), Number(match[1])] : undefined;
}
