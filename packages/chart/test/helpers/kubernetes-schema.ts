// Offline validation of rendered objects: kubernetes-models' OpenAPI validators for built-in
// kinds, Prometheus Operator models for ServiceMonitor, a pinned JSON schema for TargetGroupBinding.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { chartDir, type Manifest } from './helm.js';

type Validate = (manifest: Manifest) => void;

function model(Model: new (data: never) => { validate(): void }): Validate {
  return (manifest) => new Model(manifest as never).validate();
}

function pinnedSchema(file: string): Validate {
  const schema = JSON.parse(readFileSync(path.join(chartDir, 'test', 'schemas', file), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  return (manifest) => {
    if (!validate(manifest)) throw new Error(JSON.stringify(validate.errors, null, 2));
  };
}

export function createKubernetesValidators(): Map<string, Validate> {
  return new Map<string, Validate>([
    ['apps/v1/Deployment', model(Deployment)],
    ['autoscaling/v2/HorizontalPodAutoscaler', model(HorizontalPodAutoscaler)],
    ['batch/v1/Job', model(Job)],
    ['networking.k8s.io/v1/Ingress', model(Ingress)],
    ['networking.k8s.io/v1/NetworkPolicy', model(NetworkPolicy)],
    ['policy/v1/PodDisruptionBudget', model(PodDisruptionBudget)],
    ['v1/ConfigMap', model(ConfigMap)],
    ['v1/Pod', model(Pod)],
    ['v1/Service', model(Service)],
    ['v1/ServiceAccount', model(ServiceAccount)],
    ['monitoring.coreos.com/v1/ServiceMonitor', model(ServiceMonitor)],
    ['monitoring.coreos.com/v1/PrometheusRule', model(PrometheusRule)],
    ['elbv2.k8s.aws/v1beta1/TargetGroupBinding', pinnedSchema('targetgroupbinding-v1beta1.json')],
  ]);
}

/** Validates one object; throws naming the object when its kind is unknown or it is invalid. */
export function validateManifest(validators: Map<string, Validate>, manifest: Manifest): void {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const validate = validators.get(key);
  if (!validate)
    throw new Error(`no schema for ${key} (${manifest.metadata.name}): add one before rendering it`);
  try {
    validate(manifest);
  } catch (error) {
    throw new Error(`${key} ${manifest.metadata.name} is invalid: ${(error as Error).message}`);
  }
}
