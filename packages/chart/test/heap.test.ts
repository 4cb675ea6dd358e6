// The heap must fit the container: measured with the real Node (the image's version) inside a real
// memory cgroup of the limit each values file renders, for the server and the migration Job.
import test from 'ava';
import { shippedInputs } from './helpers/fixtures.js';
import { loadHelm, type Manifest } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';
import { quantityBytes, runInMemoryCgroup } from './helpers/memory-cgroup.js';

const helm = await loadHelm();
const heapLimitScript = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  resources: { limits?: { memory?: string } };
}

function nodeContainers(manifests: Manifest[]): [string, Container][] {
  return [
    ['server', serverContainer(manifests)],
    ['migration Job', only(manifests, 'Job').spec.template.spec.containers[0]],
  ];
}

async function heapLimitBytes(limitBytes: number, nodeOptions: string | undefined): Promise<number> {
  const env = { PATH: process.env.PATH, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  return Number(await runInMemoryCgroup(limitBytes, process.execPath, ['-e', heapLimitScript], env));
}

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`the heap is capped near 75 % of the memory limit in the server and the migration Job (${name})`, async (t) => {
    for (const [role, container] of nodeContainers(await helm.render(input))) {
      const nodeOptions = container.env?.find((v) => v.name === 'NODE_OPTIONS')?.value;
      t.is(nodeOptions, '--max-old-space-size-percentage=75', role);
      const limit = container.resources.limits?.memory;
      t.truthy(limit, `${role} has a memory limit`);
      const limitBytes = quantityBytes(limit as string);
      const heap = await heapLimitBytes(limitBytes, nodeOptions);
      t.log(`${role}: limit ${limit}, heap limit ${(heap / 2 ** 20).toFixed(0)} MiB`);
      t.true(heap <= 0.8 * limitBytes, `${role}: heap ${heap} within 80 % of ${limitBytes}`);
      t.true(heap >= 0.7 * limitBytes, `${role}: heap ${heap} uses the memory it has`);
    }
  });
}

test('without the cap Node would size the heap past a small container (what the cap prevents)', async (t) => {
  const limitBytes = quantityBytes('128Mi');
  t.true((await heapLimitBytes(limitBytes, undefined)) > limitBytes);
  t.true((await heapLimitBytes(limitBytes, '--max-old-space-size-percentage=75')) < limitBytes);
});

test('a container without a memory limit is refused (the cap is a share of it)', async (t) => {
  t.regex(
    await helm.renderError({ set: { 'resources.limits': null } }),
    /resources\.limits\.memory is required/,
  );
  t.regex(
    await helm.renderError({ set: { 'migrations.resources.limits': null } }),
    /migrations\.resources\.limits\.memory is required/,
  );
});

test('memory quantities are read as Kubernetes does', (t) => {
  t.is(quantityBytes('256Mi'), 268_435_456);
  t.is(quantityBytes('1.5Gi'), 1_610_612_736);
  t.is(quantityBytes('500M'), 500_000_000);
  t.is(quantityBytes(1024), 1024);
  t.throws(() => quantityBytes('lots'));
});
