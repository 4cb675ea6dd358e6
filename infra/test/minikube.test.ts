import test from 'ava';
import { REPO_ROOT } from '../paths.js';
import { named, ofType, single, TEST_IMAGE_TAG } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('minikube');
const PASSWORD = 'p'.repeat(32);

test('the minikube stack touches no AWS at all', (t) => {
  const cloud = run.resources.filter(
    (r) => /^(aws|eks|awsx|docker-build):/.test(r.type) || r.type === 'pulumi:providers:aws',
  );
  t.deepEqual(
    cloud.map((r) => r.type),
    [],
  );
  t.deepEqual(run.caBundleRequests, []);
});

test('everything goes through a Kubernetes provider on the minikube context', (t) => {
  t.is(single(run, 'pulumi:providers:kubernetes').inputs.context, 'minikube');
  const kubernetes = run.resources.filter((r) => r.type.startsWith('kubernetes:'));
  t.true(kubernetes.length > 0);
  t.true(kubernetes.every((r) => /pulumi:providers:kubernetes::minikube::/.test(r.provider ?? '')));
});

test('the image is built into minikube with `minikube image build`', (t) => {
  const build = single(run, 'command:local:Command').inputs;
  t.is(
    build.create,
    `minikube -p minikube image build -t high-available-server:${TEST_IMAGE_TAG} -f packages/service/Dockerfile .`,
  );
  t.is(build.dir, REPO_ROOT);
  const values = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.deepEqual(values.image, { repository: 'high-available-server', tag: TEST_IMAGE_TAG });
});

test('PostgreSQL runs in the cluster as a restricted-compatible StatefulSet with a PVC', (t) => {
  const statefulSet = single(run, 'kubernetes:apps/v1:StatefulSet').inputs;
  const pod = statefulSet.spec.template.spec;
  t.like(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  t.like(pod.containers[0].securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  t.is(pod.containers[0].image, 'postgres:17.6-alpine');
  t.deepEqual(statefulSet.spec.volumeClaimTemplates[0].spec.resources, { requests: { storage: '1Gi' } });
  t.is(single(run, 'kubernetes:core/v1:Service').inputs.metadata.name, 'postgres');
});

test('a generated password reaches the chart as DATABASE_URL in the hello-database Secret', (t) => {
  t.is(single(run, 'random:index/randomPassword:RandomPassword').inputs.length, 32);
  const secrets = ofType(run, 'kubernetes:core/v1:Secret').map((s) => s.inputs);
  const url = secrets.find((s) => s.metadata.name === 'hello-database');
  t.deepEqual(url?.stringData, {
    DATABASE_URL: `postgres://hello:${PASSWORD}@postgres:5432/hello?sslmode=disable`,
  });
  const credentials = secrets.find((s) => s.metadata.name === 'postgres-credentials');
  t.like(credentials?.stringData, {
    POSTGRES_PASSWORD: PASSWORD,
    POSTGRES_USER: 'hello',
    POSTGRES_DB: 'hello',
  });
});

test('the same chart deploys with values-minikube.yaml and no target group binding', (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs;
  t.regex(release.valueYamlFiles[0].path, /packages\/chart\/values-minikube\.yaml$/);
  t.is(release.values.targetGroupBinding, undefined);
  t.like(release.values.database, { existingSecret: 'hello-database', secretKey: 'DATABASE_URL' });
  t.is(release.values.database.caBundle, undefined);
  const namespace = single(run, 'kubernetes:core/v1:Namespace').inputs.metadata.labels;
  t.is(namespace['pod-security.kubernetes.io/enforce'], 'restricted');
  t.is(namespace['elbv2.k8s.aws/pod-readiness-gate-inject'], undefined);
});

test('index.ts only wires components on minikube too', (t) => {
  const topLevel = run.resources.filter((r) => r.parent === undefined && r.type !== 'pulumi:pulumi:Stack');
  t.deepEqual(topLevel.map((r) => r.type).sort(), [
    'high-available-server:k8s:App',
    'high-available-server:k8s:AppNamespace',
    'high-available-server:minikube:Cluster',
    'high-available-server:minikube:Database',
    'high-available-server:minikube:Image',
  ]);
  t.true(
    named(run, 'kubernetes:helm.sh/v3:Release', 'hello').dependsOn?.includes(
      'kubernetes:apps/v1:StatefulSet::postgres-postgres',
    ),
  );
});

test('the stack outputs say how to reach the service (the chart names its Service <release>-high-available-server)', (t) => {
  t.deepEqual(run.outputs, {
    clusterName: 'minikube',
    namespace: 'hello',
    localUrl:
      'kubectl -n hello port-forward svc/hello-high-available-server 8080:80  # then http://127.0.0.1:8080',
  });
});
