import test from 'ava';
import { haproxyConfig } from '../src/haproxy.js';

const config = haproxyConfig({
  port: 9000,
  statsSocket: '/tmp/x.sock',
  backends: [
    { name: 'r1', port: 9001 },
    { name: 'r2', port: 9002 },
  ],
});
const lines = config.split('\n').map((line) => line.trim());

test('the load balancer health-checks /readyz every 300 ms, down after 1 failure, up after 2 successes', (t) => {
  t.true(lines.includes('option httpchk GET /readyz'));
  t.true(lines.includes('http-check expect status 200'));
  t.true(lines.includes('default-server inter 300ms fall 1 rise 2'));
  t.true(lines.includes('server r1 127.0.0.1:9001 check'));
  t.true(lines.includes('server r2 127.0.0.1:9002 check'));
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

test('a replica marked down keeps its in-flight requests; all-down fails open like the ALB', (t) => {
  t.false(config.includes('shutdown-sessions'));
  // When no replica passes /readyz, traffic goes to those still alive (/livez) instead of a 503 page.
  t.true(lines.includes('use_backend replicas-failopen if { nbsrv(replicas) eq 0 }'));
  t.true(lines.includes('default_backend replicas'));
  t.true(lines.includes('option httpchk GET /livez'));
});

test('the load balancer times out like the ALB: 60 s idle towards clients, 5 s per server answer and health check', (t) => {
  t.true(lines.includes('timeout client 60s'));
  t.true(lines.includes('timeout http-keep-alive 60s'));
  t.true(lines.includes('timeout server 5s'));
  t.true(lines.includes('timeout check 5s'));
});
