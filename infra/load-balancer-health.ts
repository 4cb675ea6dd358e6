// The ALB's view of a pod, in one place with no Pulumi imports, so the HA drill can run its
// load balancer with the same numbers (`@high-available-server/infra/load-balancer-health`).

/** Target-group health check of the pods (through the traffic port, like the requests). */
export const ALB_HEALTH_CHECK = {
  path: '/readyz',
  matcher: '200',
  intervalSeconds: 10,
  timeoutSeconds: 5,
  /** Consecutive passes before a new or recovered target receives traffic (~20 s). */
  healthyThreshold: 2,
  /** Consecutive failures before a target stops receiving traffic (~20 s). */
  unhealthyThreshold: 2,
} as const;

/**
 * How long the ALB may keep sending new requests to a target after the controller has
 * deregistered it: reported as about 2 minutes for IP targets
 * (kubernetes-sigs/aws-load-balancer-controller#3270; #2366 measured a steady 2 minutes on NLB).
 * Not measurable here (no ALB); the pod's drain timeline must outlast it (preStop in the chart).
 */
export const ALB_DEREGISTRATION_LAG_SECONDS = 120;
