import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** One third-party action, pinned: the release tag and the commit it points to. */
export interface ActionPin {
  /** `owner/repo` (or `owner/repo/path` for an action in a subdirectory). */
  action: string;
  tag: string;
  sha: string;
  /** The tag is an annotated tag object: `git ls-remote` shows the commit on its `^{}` line. */
  annotated: boolean;
  /** `runs.using` of the action's metadata at that commit (node24, composite, docker). */
  runtime: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`${where} must be a non-empty string`);
  return value;
}

/** Reads and validates action-pins.yaml; every problem is a thrown error naming the entry. */
export function loadActionPins(path: string): ActionPin[] {
  const doc = parse(readFileSync(path, 'utf8')) as { actions?: unknown } | null;
  if (!Array.isArray(doc?.actions)) throw new Error(`${path}: no \`actions\` list`);
  const pins = doc.actions.map((entry: Record<string, unknown>, i): ActionPin => {
    const where = `actions[${i}]`;
    const sha = text(entry.sha, `${where}.sha`);
    if (!FULL_SHA.test(sha)) throw new Error(`${where}.sha must be 40 lowercase hex digits`);
    return {
      action: text(entry.action, `${where}.action`),
      tag: text(entry.tag, `${where}.tag`),
      sha,
      annotated: entry.annotated === true,
      runtime: text(entry.runtime, `${where}.runtime`),
    };
  });
  const seen = new Set<string>();
  for (const pin of pins) {
    // One release per action: two pins of one action would let the workflows drift apart.
    const key = pin.action.toLowerCase();
    if (seen.has(key)) throw new Error(`${path}: ${pin.action} is listed twice`);
    seen.add(key);
  }
  return pins;
}

export interface UsesCheck {
  uses: string;
  comment: string | undefined;
}

/**
 * Why a `uses:` value is not pinned as action-pins.yaml says, or undefined when it is. Local
 * actions (`./…`) are part of this repository and need no pin. Owner and repository names are
 * compared without case, as GitHub resolves them.
 */
export function pinProblem(ref: UsesCheck, pins: ActionPin[]): string | undefined {
  if (ref.uses.startsWith('./')) return undefined;
  if (ref.uses.startsWith('docker://')) return `${ref.uses}: docker:// actions are not allowed (no pin list)`;
  const at = ref.uses.lastIndexOf('@');
  if (at === -1) return `${ref.uses}: no @ref`;
  const action = ref.uses.slice(0, at);
  const version = ref.uses.slice(at + 1);
  const pin = pins.find((p) => p.action.toLowerCase() === action.toLowerCase());
  if (!pin) return `${ref.uses}: ${action} is not in action-pins.yaml`;
  if (!FULL_SHA.test(version)) return `${ref.uses}: not pinned to a full commit SHA (want ${pin.sha})`;
  if (version !== pin.sha) return `${ref.uses}: action-pins.yaml pins ${pin.tag} = ${pin.sha}`;
  if (ref.comment !== pin.tag) {
    return `${ref.uses}: comment '# ${ref.comment ?? ''}' must name the pinned tag ${pin.tag}`;
  }
  return undefined;
}
