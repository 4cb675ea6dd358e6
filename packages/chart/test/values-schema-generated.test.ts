import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { expectedSchemaText, generateValuesSchema } from '../scripts/values-schema.js';
import { chartDir, loadHelm } from './helpers/helm.js';

const regenerate = 'pnpm --filter @high-available-server/chart schema';

test('values.schema.json is what values.yaml generates (regenerate it after changing values.yaml)', async (t) => {
  const committed = await readFile(path.join(chartDir, 'values.schema.json'), 'utf8');
  t.true(committed === (await expectedSchemaText()), `values.schema.json is stale: run \`${regenerate}\``);
});

test('every key gets its comment as description, its type from the default, and strict maps', (t) => {
  const schema = generateValuesSchema(
    [
      'group:',
      '  # -- How many.',
      '  # @schema minimum: 1',
      '  count: 3',
      '  # -- A name.',
      '  name: ""',
      '  # -- Free-form labels.',
      '  # @schema $ref: stringMap',
      '  labels: {}',
    ].join('\n'),
    'test',
  );
  t.like(schema.properties, {
    group: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'name', 'labels'],
      properties: {
        count: { description: 'How many.', type: 'integer', minimum: 1 },
        name: { description: 'A name.', type: 'string' },
        labels: { description: 'Free-form labels.', $ref: '#/$defs/stringMap' },
      },
    },
  });
  t.is(schema.additionalProperties, false);
});

test('generation refuses an empty map, an empty list or a null without an annotation, naming the key', (t) => {
  t.throws(() => generateValuesSchema('a:\n  b: {}\n', 'test'), { message: /a\.b is an empty map/ });
  t.throws(() => generateValuesSchema('a: []\n', 'test'), { message: /a is an empty list/ });
  t.throws(() => generateValuesSchema('a: null\n', 'test'), { message: /a has no default/ });
  t.throws(() => generateValuesSchema('# @schema $ref: nothing\na: 1\n', 'test'), {
    message: /unknown \$ref "nothing"/,
  });
});

test('helm applies the generated schema: a value added to values.yaml is refused until it is valid', async (t) => {
  const helm = await loadHelm();
  // The shared definitions are reachable: a quantity is checked where values.yaml refers to it.
  const error = await helm.renderError({ setString: { tmpSizeLimit: 'lots' } });
  t.regex(error, /\/tmpSizeLimit/);
});
