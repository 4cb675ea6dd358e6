import test from 'ava';
import { CUSTOM_DOMAIN } from './support/overrides.js';
import { ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('dev', CUSTOM_DOMAIN);

test('with a custom domain CloudFront serves it with the ACM certificate and TLS 1.2 (2021) minimum', (t) => {
  const distribution = single(run, 'aws:cloudfront/distribution:Distribution').inputs;
  t.deepEqual(distribution.aliases, ['hello.example.com']);
  t.deepEqual(distribution.viewerCertificate, {
    acmCertificateArn: CUSTOM_DOMAIN['high-available-server:certificateArn'],
    sslSupportMethod: 'sni-only',
    minimumProtocolVersion: 'TLSv1.2_2021',
  });
  t.is(run.outputs.publicUrl, 'https://hello.example.com');
});

test('alias records for the domain point at the distribution', (t) => {
  const records = ofType(run, 'aws:route53/record:Record').map((r) => r.inputs);
  t.deepEqual(records.map((r) => r.type).sort(), ['A', 'AAAA']);
  for (const record of records) {
    t.like(record, { zoneId: 'Z0123456789ABC', name: 'hello.example.com' });
    t.like(record.aliases[0], { name: 'd111111abcdef8.cloudfront.net', zoneId: 'Z2FDTNDATAQYW2' });
  }
});
