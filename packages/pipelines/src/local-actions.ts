import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isRecord, type Step } from './workflows.js';

// The actions this repository defines for itself in .github/actions/<name>/, which workflows
// reference as `uses: ./.github/actions/<name>`. Only the parts these checks read are typed.

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: unknown;
}

export interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, ActionInput>;
  /** `using: composite` with `steps`; other kinds (node, docker) run code the checks cannot see. */
  runs?: { using?: string; steps?: Step[] };
}

export interface LocalAction {
  /** How a step references it: `./.github/actions/<name>`. */
  reference: string;
  /** The metadata file relative to the repository root, e.g. `.github/actions/x/action.yml`. */
  file: string;
  path: string;
  text: string;
  metadata: ActionMetadata;
}

const ACTIONS_DIR = join('.github', 'actions');
// The runner looks for action.yml first, then action.yaml.
const METADATA_FILES = ['action.yml', 'action.yaml'];

function parseMetadata(file: string, text: string): ActionMetadata {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new Error(`${file}: invalid YAML: ${(error as Error).message}`);
  }
  if (!isRecord(doc)) throw new Error(`${file}: not an action (not a mapping)`);
  return doc as ActionMetadata;
}

/** Every .github/actions/<name>/ directory holding an action.yml (or .yaml), parsed, in name order. */
export function loadLocalActions(repoRoot: string): LocalAction[] {
  const dir = join(repoRoot, ACTIONS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => {
      const metadataFile = METADATA_FILES.find((candidate) => existsSync(join(dir, name, candidate)));
      if (!metadataFile) return [];
      const file = `.github/actions/${name}/${metadataFile}`;
      const path = join(dir, name, metadataFile);
      const text = readFileSync(path, 'utf8');
      return [
        { reference: `./.github/actions/${name}`, file, path, text, metadata: parseMetadata(file, text) },
      ];
    });
}

/** A step's `uses:` when it names a local action (`./…`), without a trailing slash. */
export function localReference(uses: string | undefined): string | undefined {
  if (!uses?.startsWith('./')) return undefined;
  return uses.replace(/\/+$/, '');
}

export function findLocalAction(actions: LocalAction[], uses: string | undefined): LocalAction | undefined {
  const reference = localReference(uses);
  return reference === undefined ? undefined : actions.find((action) => action.reference === reference);
}

export function isComposite(action: LocalAction): boolean {
  return action.metadata.runs?.using === 'composite';
}

/** ".github/actions/x/action.yml › step 2 (pnpm install …)" — a step as written in an action, for messages. */
export function describeActionStep(action: LocalAction, index: number): string {
  const step = action.metadata.runs?.steps?.[index];
  const label = step?.name ?? step?.uses ?? step?.run?.split('\n')[0] ?? '';
  return `${action.file} › step ${index + 1} (${label.slice(0, 60)})`;
}
