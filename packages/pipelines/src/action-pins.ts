import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ShaPin {
  action: string;
  sha: string;
  version: string;
  evidence: string[];
}

export interface TagPin {
  action: string;
  version: string;
  reason: string;
}

export interface ActionPins {
  pinned: ShaPin[];
  toPin: TagPin[];
}

const FULL_SHA = /^[0-9a-f]{40}$/;

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`${where} must be a non-empty string`);
  return value;
}

/** Reads and validates action-pins.yaml; every problem is a thrown error naming the entry. */
export function loadActionPins(path: string): ActionPins {
  const doc = parse(readFileSync(path, 'utf8')) as { pinned?: unknown; toPin?: unknown } | null;
  const pinnedRaw = Array.isArray(doc?.pinned) ? doc.pinned : [];
  const toPinRaw = Array.isArray(doc?.toPin) ? doc.toPin : [];
  const pinned = pinnedRaw.map((entry: Record<string, unknown>, i): ShaPin => {
    const where = `pinned[${i}]`;
    const sha = text(entry.sha, `${where}.sha`);
    if (!FULL_SHA.test(sha)) throw new Error(`${where}.sha must be 40 lowercase hex digits`);
    const evidence = entry.evidence;
    if (!Array.isArray(evidence) || evidence.length === 0) {
      throw new Error(`${where}.evidence must list where the SHA was verified`);
    }
    return {
      action: text(entry.action, `${where}.action`),
      sha,
      version: text(entry.version, `${where}.version`),
      evidence: evidence.map((item, j) => text(item, `${where}.evidence[${j}]`)),
    };
  });
  const toPin = toPinRaw.map(
    (entry: Record<string, unknown>, i): TagPin => ({
      action: text(entry.action, `toPin[${i}].action`),
      version: text(entry.version, `toPin[${i}].version`),
      reason: text(entry.reason, `toPin[${i}].reason`),
    }),
  );
  return { pinned, toPin };
}

export interface UsesCheck {
  uses: string;
  comment: string | undefined;
}

/**
 * Why a `uses:` value is not acceptably pinned, or undefined when it is. Local actions
 * (`./…`) are part of this repository and need no pin.
 */
export function pinProblem(ref: UsesCheck, pins: ActionPins): string | undefined {
  if (ref.uses.startsWith('./')) return undefined;
  if (ref.uses.startsWith('docker://')) return `${ref.uses}: docker:// actions are not allowed (no pin list)`;
  const at = ref.uses.lastIndexOf('@');
  if (at === -1) return `${ref.uses}: no @ref`;
  const action = ref.uses.slice(0, at);
  const version = ref.uses.slice(at + 1);
  if (FULL_SHA.test(version)) {
    const pin = pins.pinned.find((p) => p.action === action && p.sha === version);
    if (!pin) return `${ref.uses}: SHA not in action-pins.yaml \`pinned\` (unverified SHA)`;
    if (ref.comment !== pin.version) {
      return `${ref.uses}: version comment '# ${ref.comment ?? ''}' differs from pinned version ${pin.version}`;
    }
    return undefined;
  }
  const tag = pins.toPin.find((p) => p.action === action);
  if (!tag)
    return `${ref.uses}: not pinned to a full commit SHA and not listed in action-pins.yaml \`toPin\``;
  if (tag.version !== version) return `${ref.uses}: toPin lists ${action}@${tag.version}, not @${version}`;
  return undefined;
}
