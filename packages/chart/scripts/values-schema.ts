// Generates values.schema.json from the annotated values.yaml, so the schema cannot drift from the
// values it checks. Run `pnpm --filter @high-available-server/chart schema` after changing
// values.yaml; test/values-schema-generated.test.ts fails while the committed file is stale.
//
// What each key gets:
//   - its type, inferred from the default (string, integer, number, boolean, array, object);
//   - `description`: the `# -- ...` comment above it (helm-docs style; lines before `--` are ignored);
//   - for a map with keys: `properties`, every key `required`, and `additionalProperties: false`,
//     so a typo anywhere is refused;
//   - constraints from `# @schema <YAML mapping>` lines above it, merged over the inferred schema,
//     e.g. `# @schema minimum: 1`, `# @schema enum: [postgres, memory]`,
//     `# @schema {type: [string, integer], pattern: '^...$'}`, `# @schema $ref: quantity`
//     (a name alone refers to the shared definitions below). `type`, `$ref` or `anyOf` in an
//     annotation replace the inferred type.
// An empty map or list, or a null, says nothing about what it may hold: it must carry an annotation
// (`additionalProperties`, `items` or `type`), or generation fails naming the key.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, type Node, parse, parseDocument, type YAMLMap } from 'yaml';
import { chartDir } from '../src/index.js';

type Schema = Record<string, unknown>;

/** Shared definitions, referred to as `$ref: <name>` in annotations. */
export const definitions: Record<string, Schema> = {
  quantity: {
    description: 'A Kubernetes resource quantity, e.g. 100m, 256Mi, 1.5Gi or a plain number.',
    anyOf: [
      { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$' },
      { type: 'number', minimum: 0 },
    ],
  },
  objectName: {
    description: 'A Kubernetes object name (DNS subdomain).',
    type: 'string',
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
  },
  optionalObjectName: {
    description: 'A Kubernetes object name (DNS subdomain), or empty for none.',
    type: 'string',
    maxLength: 253,
    pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$',
  },
  secretKey: {
    description: 'A key in a Secret or ConfigMap.',
    type: 'string',
    minLength: 1,
    pattern: '^[-._a-zA-Z0-9]+$',
  },
  duration: {
    description: 'A Prometheus duration, e.g. 30s.',
    type: 'string',
    pattern: '^[0-9]+(ms|s|m|h)$',
  },
  stringMap: {
    description: 'Labels or annotations: text values only.',
    type: 'object',
    additionalProperties: { type: 'string' },
  },
  resources: {
    description: 'Container resources (requests and limits of cpu, memory, ephemeral-storage).',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      ['requests', 'limits'].map((kind) => [
        kind,
        {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            ['cpu', 'memory', 'ephemeral-storage'].map((name) => [name, { $ref: '#/$defs/quantity' }]),
          ),
        },
      ]),
    ),
  },
};

const REPLACES_TYPE = ['type', '$ref', 'anyOf', 'oneOf'];

class ValuesSchemaError extends Error {}

interface Comment {
  description?: string;
  annotation: Schema;
}

/** Splits a comment block into its `# --` description and its merged `@schema` annotations. */
function readComment(text: string | undefined, key: string): Comment {
  const annotation: Schema = {};
  const description: string[] = [];
  let inDescription = false;
  for (const raw of (text ?? '').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('@schema')) {
      const source = line.slice('@schema'.length).trim();
      let parsed: unknown;
      try {
        parsed = parse(source);
      } catch (error) {
        throw new ValuesSchemaError(`${key}: cannot parse "@schema ${source}": ${(error as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new ValuesSchemaError(`${key}: "@schema ${source}" is not a mapping`);
      Object.assign(annotation, parsed);
      continue;
    }
    if (line.startsWith('--')) {
      inDescription = true;
      description.length = 0;
      description.push(line.slice(2).trim());
    } else if (inDescription) {
      if (line === '') inDescription = false;
      else description.push(line);
    }
  }
  const joined = description.join(' ').trim();
  return { ...(joined ? { description: joined } : {}), annotation };
}

function expandRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(expandRefs);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
        if (!definitions[value]) throw new ValuesSchemaError(`unknown $ref "${value}"`);
        return [key, `#/$defs/${value}`];
      }
      return [key, expandRefs(value)];
    }),
  );
}

function inferred(node: Node | null, key: string, annotation: Schema): Schema {
  // An annotation that gives the type describes the whole value: nothing is inferred under it.
  if (REPLACES_TYPE.some((field) => field in annotation)) return {};
  if (isMap(node)) {
    if (node.items.length === 0) {
      if (!('additionalProperties' in annotation))
        throw new ValuesSchemaError(
          `${key} is an empty map: say what it may hold, e.g. "# @schema $ref: stringMap" or "# @schema type: object"`,
        );
      return { type: 'object' };
    }
    return objectSchema(node, key);
  }
  if (isSeq(node)) {
    if (node.items.length === 0) {
      if (!('items' in annotation))
        throw new ValuesSchemaError(
          `${key} is an empty list: say what it may hold with "# @schema items: {...}"`,
        );
      return { type: 'array' };
    }
    return { type: 'array', items: inferred(node.items[0] as Node, `${key}[0]`, {}) };
  }
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'string') return { type: 'string' };
    if (typeof value === 'boolean') return { type: 'boolean' };
    if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  }
  throw new ValuesSchemaError(
    `${key} has no default to infer a type from: annotate it with "# @schema type: ..."`,
  );
}

function keySchema(node: Node | null, key: string, comment: Comment): Schema {
  const base = inferred(node, key, comment.annotation);
  return {
    ...(comment.description ? { description: comment.description } : {}),
    ...base,
    ...(expandRefs(comment.annotation) as Schema),
  };
}

function objectSchema(map: YAMLMap, prefix: string): Schema {
  const properties: Record<string, Schema> = {};
  map.items.forEach((pair, index) => {
    if (!isScalar(pair.key)) throw new ValuesSchemaError(`${prefix}: keys must be plain scalars`);
    const key = String(pair.key.value);
    const name = prefix ? `${prefix}.${key}` : key;
    // The yaml parser hangs the comment above a nested map's first key on the map itself.
    const text = pair.key.commentBefore ?? (index === 0 ? map.commentBefore : undefined);
    properties[key] = keySchema(pair.value as Node | null, name, readComment(text ?? undefined, name));
  });
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  };
}

/** The JSON schema for a chart's values.yaml text. */
export function generateValuesSchema(valuesYaml: string, title: string): Schema {
  const document = parseDocument(valuesYaml);
  if (document.errors.length > 0) throw new ValuesSchemaError(`values.yaml: ${document.errors[0]?.message}`);
  if (!isMap(document.contents)) throw new ValuesSchemaError('values.yaml must be a map');
  const root = objectSchema(document.contents, '');
  const properties = root.properties as Record<string, Schema>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    description: `Generated from values.yaml by scripts/values-schema.ts: do not edit by hand.`,
    type: 'object',
    additionalProperties: false,
    required: root.required,
    properties: {
      // Helm passes `global` to every chart (subchart convention); this chart reads nothing from it.
      global: { description: "Helm's global values; unused by this chart.", type: 'object' },
      ...properties,
    },
    $defs: definitions,
  };
}

export function formatSchema(schema: Schema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** values.schema.json as generated from the chart's current values.yaml. */
export async function expectedSchemaText(dir = chartDir): Promise<string> {
  const values = await readFile(path.join(dir, 'values.yaml'), 'utf8');
  return formatSchema(generateValuesSchema(values, 'high-available-server chart values'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const target = path.join(chartDir, 'values.schema.json');
    await writeFile(target, await expectedSchemaText());
    process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
  } catch (error) {
    if (!(error instanceof ValuesSchemaError)) throw error;
    process.stderr.write(`values.yaml: ${error.message}\n`);
    process.exitCode = 1;
  }
}
