import { formatNumber } from './slo.js';

/** The product's API route, as the service labels it (route template). */
export const API_ROUTE = '/hello/:username';

/** Routes that are not traffic: probes and scrapes. */
export const NOT_TRAFFIC_ROUTES = ['/livez', '/readyz', '/metrics'] as const;

/**
 * The SLIs are aggregated to these labels: what a ServiceMonitor gives every target (namespace and job =
 * the Service's name), and all a static scrape config gives (job). Selectors on the SLIs use only these.
 */
export const SLI_LABELS = 'namespace, job';

/** `{a, b}` from label matchers, skipping empty ones (a selector may be empty: everything). */
export function matchers(...items: string[]): string {
  return `{${items.filter((item) => item.length > 0).join(', ')}}`;
}

/**
 * The `le` matcher of a histogram bucket. Prometheus 3 rewrites integer bucket bounds as floats on
 * ingestion (`le="1"` becomes `le="1.0"`), so an integer bound matches both spellings.
 */
export function bucketMatcher(seconds: number): string {
  const bound = formatNumber(seconds);
  return Number.isInteger(seconds) ? `le=~"${bound}(\\\\.0)?"` : `le="${bound}"`;
}

/**
 * Requests that count for the availability SLO, per second over `window`, as a PromQL expression over the
 * service's series selected by `selector`: `/hello` requests answered, plus every shed request (shed in front
 * of Koa, before routing: `http_requests_shed_total` has no route label). `or` adds the shed counter's series
 * (different labels, so none is dropped); it exists from start-up at 0, so the sum exists as soon as the pod
 * is scraped, even before its first /hello request.
 */
function availabilityRequests(selector: string, window: string, status: string): string {
  const served = matchers(`route="${API_ROUTE}"`, status, selector);
  return [
    `sum by (${SLI_LABELS}) (`,
    `  rate(http_requests_total${served}[${window}])`,
    `  or rate(http_requests_shed_total${matchers(selector)}[${window}])`,
    ')',
  ].join('\n');
}

/** Share of `/hello` requests over `window` answered 5xx or shed: 1 - the availability SLI. */
export function availabilityErrorRatio(selector: string, window: string): string {
  return [
    availabilityRequests(selector, window, 'status=~"5.."'),
    '/',
    availabilityRequests(selector, window, ''),
  ].join('\n');
}

/** Share of `/hello` requests answered without a 5xx over `window` that took longer than `thresholdSeconds`. */
export function latencyErrorRatio(selector: string, window: string, thresholdSeconds: number): string {
  const answered = [`route="${API_ROUTE}"`, 'status!~"5.."', selector];
  const fast = matchers(
    answered[0] as string,
    answered[1] as string,
    bucketMatcher(thresholdSeconds),
    selector,
  );
  return [
    '1 - (',
    `  sum by (${SLI_LABELS}) (rate(http_request_duration_seconds_bucket${fast}[${window}]))`,
    '  /',
    `  sum by (${SLI_LABELS}) (rate(http_request_duration_seconds_count${matchers(...answered)}[${window}]))`,
    ')',
  ].join('\n');
}

/**
 * Share of the requests offered to the service over `window` (every route but probes and scrapes, plus the
 * shed ones) that were shed.
 */
export function shedRatio(selector: string, window: string): string {
  const traffic = matchers(`route!~"${NOT_TRAFFIC_ROUTES.join('|')}"`, selector);
  const shed = `rate(http_requests_shed_total${matchers(selector)}[${window}])`;
  return [
    `sum by (${SLI_LABELS}) (${shed})`,
    '/',
    `sum by (${SLI_LABELS}) (`,
    `  rate(http_requests_total${traffic}[${window}])`,
    `  or ${shed}`,
    ')',
  ].join('\n');
}

// Kubernetes' rand.SafeEncodeString alphabet (no vowels): pod-template-hash and the pod name's suffix use it.
const SAFE_CHARACTERS = '[bcdfghjklmnpqrstvwxz2456789]';

/**
 * Regex of the pod names of a Deployment: <deployment>-<pod-template-hash>-<5 characters>. A Job's pods
 * (`<fullname>-migrations-xxxxx`) and other Deployments named `<fullname>-…` do not match.
 */
export function deploymentPodRegex(deployment: string): string {
  return `${deployment}-${SAFE_CHARACTERS}+-${SAFE_CHARACTERS}{5}`;
}
