// /metrics is on the management port, which the load balancer can never reach: the Service it
// targets (through the TargetGroupBinding or the Ingress) does not expose that port.
import test from 'ava';
import { eks, everything } from './helpers/fixtures.js';
import { fullname, loadHelm } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';

const helm = await loadHelm();

test('the server listens on the API port and the management port, both named', async (t) => {
  const ports = serverContainer(await helm.render()).ports;
  t.deepEqual(ports, [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { name: 'management', containerPort: 8081, protocol: 'TCP' },
  ]);
});

for (const [name, input] of Object.entries({ 'values-eks.yaml': eks, 'everything on': everything })) {
  test(`the Service behind the load balancer forwards only to the API port (${name})`, async (t) => {
    const manifests = await helm.render(input);
    const service = only(manifests, 'Service', fullname);
    t.deepEqual(
      service.spec.ports.map((p: { targetPort: string }) => p.targetPort),
      ['http'],
    );
    const binding = only(manifests, 'TargetGroupBinding');
    t.is(binding.spec.serviceRef.name, service.metadata.name);
    const bound = service.spec.ports.find((p: { port: number }) => p.port === binding.spec.serviceRef.port);
    t.is(bound?.targetPort, 'http');
    t.false(JSON.stringify(service.spec).includes('8081'));
  });
}

test('the Ingress also routes to the API port only', async (t) => {
  const ingress = only(await helm.render(everything), 'Ingress');
  t.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service.port, { name: 'http' });
});

test('the management port can be moved, never onto the API port', async (t) => {
  const manifests = await helm.render({ set: { managementPort: 9090 } });
  t.is(only(manifests, 'ConfigMap').data.MANAGEMENT_PORT, '9090');
  t.is(serverContainer(manifests).ports[1].containerPort, 9090);
  t.regex(
    await helm.renderError({ set: { managementPort: 8080 } }),
    /managementPort must differ from containerPort/,
  );
});
