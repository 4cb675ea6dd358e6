import { ALB_HEALTH_CHECK } from '@high-available-server/infra/load-balancer-health';
import test from 'ava';
import { drillTimings } from '../src/drill-timings.js';
import { haproxyConfig } from '../src/haproxy.js';
import { SERVER_HEADER } from '../src/load-generator.js';

const timings = drillTimings(0.05);
const configWith = (healthCheck = timings.albHealthCheck) =>
  haproxyConfig({
    port: 9000,
    statsSocket: '/tmp/x.sock',
    backends: [
      { name: 'r1', port: 9001 },
      { name: 'r2', port: 9002 },
    ],
    healthCheck,
  });
const config = configWith();
const lines = config.split('\n').map((line) => line.trim());

test("the load balancer health-checks /readyz with the ALB's own settings from the infra package", (t) => {
  t.true(lines.includes('option httpchk GET /readyz'));
  t.true(lines.includes(`http-check expect status ${ALB_HEALTH_CHECK.matcher}`));
  t.is(ALB_HEALTH_CHECK.path, '/readyz');
  t.true(
    lines.includes(
      `default-server inter ${ALB_HEALTH_CHECK.intervalSeconds * 1000}ms fall ${ALB_HEALTH_CHECK.unhealthyThreshold} rise ${ALB_HEALTH_CHECK.healthyThreshold}`,
    ),
  );
  t.true(lines.includes(`timeout check ${ALB_HEALTH_CHECK.timeoutSeconds * 1000}ms`));
  t.true(lines.includes('server r1 127.0.0.1:9001 check'));
  t.true(lines.includes('server r2 127.0.0.1:9002 check'));
});

test("the rolling restart's load balancer checks as often as the ALB, times the time scale", (t) => {
  const scaled = configWith(timings.scaledHealthCheck)
    .split('\n')
    .map((line) => line.trim());
  const every = ALB_HEALTH_CHECK.intervalSeconds * 1000 * 0.05;
  t.true(
    scaled.includes(
      `default-server inter ${every}ms fall ${ALB_HEALTH_CHECK.unhealthyThreshold} rise ${ALB_HEALTH_CHECK.healthyThreshold}`,
    ),
  );
  t.true(scaled.includes(`timeout check ${ALB_HEALTH_CHECK.timeoutSeconds * 1000 * 0.05}ms`));
});

test('the load balancer never retries or redispatches a request, so errors are not hidden', (t) => {
  t.true(lines.includes('retries 0'));
  t.true(lines.includes('no option redispatch'));
  t.false(lines.some((line) => line.startsWith('retry-on') || line === 'option redispatch'));
});

test('the load balancer keeps connections to the servers alive and listens on loopback only', (t) => {
  t.true(lines.includes('option http-keep-alive'));
  t.true(lines.includes('http-reuse safe'));
  t.false(lines.includes('option http-server-close'));
  t.true(lines.includes('bind 127.0.0.1:9000'));
});

test('a replica marked down keeps its in-flight requests; all-down fails open to every registered replica like the ALB', (t) => {
  t.false(config.includes('shutdown-sessions'));
  t.true(lines.includes('use_backend replicas-failopen if { nbsrv(replicas) eq 0 }'));
  t.true(lines.includes('default_backend replicas'));
  // The fail-open backend has every replica, unchecked (the ALB then routes to all registered targets).
  const failOpen = config.slice(config.indexOf('\nbackend replicas-failopen'));
  t.true(failOpen.includes('server r1 127.0.0.1:9001\n'));
  t.false(failOpen.includes('check'));
});

test('the load balancer times out like the ALB: 60 s idle towards clients, 10 s to connect, 5 s per server answer', (t) => {
  t.true(lines.includes('timeout client 60s'));
  t.true(lines.includes('timeout connect 10s'));
  t.true(lines.includes('timeout http-keep-alive 60s'));
  t.true(lines.includes('timeout server 5s'));
});

test('the load balancer names the replica that answered in a response header', (t) => {
  const header = lines.filter((line) => line === `http-response set-header ${SERVER_HEADER} %s`);
  // Once per backend: the checked one and the fail-open one.
  t.is(header.length, 2);
});
