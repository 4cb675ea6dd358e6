{{/*
Chart name, overridable; 63 characters is the DNS label limit for names and label values.
*/}}
{{- define "has.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. A release already named after the chart is not repeated.
*/}}
{{- define "has.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "has.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
"name-version" for the helm.sh/chart label ('+' is not allowed in label values).
*/}}
{{- define "has.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Version label: the image tag when one is given; else the chart's appVersion, unless the image is
deployed by digest alone (a digest is not a version, and appVersion would claim one that may not run).
*/}}
{{- define "has.version" -}}
{{- if .Values.image.tag }}
{{- .Values.image.tag | toString | trunc 63 | trimSuffix "-" | quote }}
{{- else if not .Values.image.digest }}
{{- .Chart.AppVersion | toString | trunc 63 | trimSuffix "-" | quote }}
{{- end }}
{{- end }}

{{/*
Labels every object carries (Helm's recommended set). Not for pod templates: see has.podLabels.
*/}}
{{- define "has.labels" -}}
helm.sh/chart: {{ include "has.chart" . }}
{{ include "has.selectorLabels" . }}
{{- with include "has.version" . }}
app.kubernetes.io/version: {{ . }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of the server's pod template: only what never changes between chart releases (as podinfo
does). A chart or version label here would change the template, and so restart every pod, on a
chart bump that changes nothing the pods run.
*/}}
{{- define "has.podLabels" -}}
{{ include "has.selectorLabels" . }}
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: only name + instance. They are immutable in a Deployment selector, so nothing
that changes between releases (version, chart) may go here.
*/}}
{{- define "has.selectorLabels" -}}
app.kubernetes.io/name: {{ include "has.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels for hook pods (migrations, helm test). Their app.kubernetes.io/name differs from the
server's on purpose: the Service, PodDisruptionBudget, NetworkPolicy and topology spread must never
select them. Call with (dict "root" $ "component" "migrations").
*/}}
{{- define "has.componentSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-%s" (include "has.name" .root) .component | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "has.componentLabels" -}}
helm.sh/chart: {{ include "has.chart" .root }}
{{ include "has.componentSelectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: {{ include "has.name" .root }}
{{- with include "has.version" .root }}
app.kubernetes.io/version: {{ . }}
{{- end }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
Stable labels for a hook's pod template (same reason as has.podLabels).
*/}}
{{- define "has.componentPodLabels" -}}
{{ include "has.componentSelectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
ServiceAccount the server pods run as.
*/}}
{{- define "has.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "has.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: a digest wins over the tag; the tag defaults to appVersion; `latest` is refused.
*/}}
{{- define "has.image" -}}
{{- $image := .Values.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- $tag := default .Chart.AppVersion $image.tag | toString }}
{{- if eq $tag "latest" }}
{{- fail "image.tag \"latest\" is refused: it is mutable, so rollbacks and audits cannot tell what ran. Use a version tag or image.digest." }}
{{- end }}
{{- printf "%s:%s" $image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Pod-level security context meeting Pod Security Standard "restricted". Not a value on purpose: the
chart must install into a namespace that enforces "restricted", whatever the values say.
*/}}
{{- define "has.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context meeting "restricted", plus a read-only root filesystem.
*/}}
{{- define "has.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
DATABASE_URL from the existing Secret, when database.url does not give it as a value.
*/}}
{{- define "has.databaseUrlEnv" -}}
{{- if not .Values.database.url }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
{{- end }}
{{- end }}

{{/*
Database credentials as files from a Secret (keys username and password): a whole volume, never
subPath, so the kubelet refreshes the files when the Secret changes (a rotated password reaches
running pods). Call with (dict "root" $ "secret" <name>).
*/}}
{{- define "has.credentialsVolume" -}}
- name: database-credentials
  secret:
    secretName: {{ .secret }}
    # 0440: readable by the pod's group (fsGroup 1000), nobody else.
    defaultMode: 288
    items:
      - key: username
        path: username
      - key: password
        path: password
{{- end }}

{{/*
The server pods' credential Secret, when they read credentials from files (store=postgres only).
*/}}
{{- define "has.appCredentials" -}}
{{- if eq .Values.store "postgres" }}{{ .Values.database.credentials.appSecret }}{{ end }}
{{- end }}

{{- define "has.credentialsMount" -}}
- name: database-credentials
  mountPath: /var/run/secrets/database
  readOnly: true
{{- end }}

{{/*
Environment pointing the service at the credential files (values only; the files are the secret).
*/}}
{{- define "has.credentialsEnv" -}}
- name: DATABASE_USER_FILE
  value: /var/run/secrets/database/username
- name: DATABASE_PASSWORD_FILE
  value: /var/run/secrets/database/password
{{- end }}

{{/*
The server's non-secret settings: the ConfigMap's data, and what the pods' checksum/config covers
(the data only, so a chart bump that changes nothing here restarts nothing).
*/}}
{{- define "has.configData" -}}
PORT: {{ .Values.containerPort | quote }}
MANAGEMENT_PORT: {{ .Values.managementPort | quote }}
HOST: "0.0.0.0"
STORE: {{ .Values.store | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
SHUTDOWN_DELAY_MS: {{ .Values.shutdown.delayMs | quote }}
SHUTDOWN_TIMEOUT_MS: {{ .Values.shutdown.timeoutMs | quote }}
MAX_IN_FLIGHT: {{ .Values.maxInFlight | quote }}
MAX_EVENT_LOOP_DELAY_MS: {{ .Values.maxEventLoopDelayMs | quote }}
{{- if eq .Values.store "postgres" }}
MIGRATE_ON_START: {{ .Values.migrations.onServerStart | quote }}
{{- with .Values.database.url }}
DATABASE_URL: {{ . | quote }}
{{- end }}
{{- if .Values.database.credentials.appSecret }}
DATABASE_USER_FILE: /var/run/secrets/database/username
DATABASE_PASSWORD_FILE: /var/run/secrets/database/password
{{- end }}
{{- end }}
{{- with .Values.tracing.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
OTEL_EXPORTER_OTLP_PROTOCOL: {{ $.Values.tracing.protocol | quote }}
OTEL_TRACES_SAMPLER: parentbased_traceidratio
OTEL_TRACES_SAMPLER_ARG: {{ $.Values.tracing.samplingRatio | quote }}
OTEL_SERVICE_NAME: {{ include "has.fullname" $ | quote }}
{{- end }}
{{- end }}

{{/*
With tracing on: the resource attributes that say which pod a span comes from (the pod name only the
downward API knows, so this is env, not the ConfigMap).
*/}}
{{- define "has.tracingEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "k8s.namespace.name=%s,k8s.deployment.name=%s,k8s.pod.name=$(POD_NAME),service.version=%s" .Release.Namespace (include "has.fullname" .) (default .Chart.AppVersion .Values.image.tag | toString) | quote }}
{{- end }}

{{/*
The TCP port of the OTLP endpoint: the URL's, else the scheme's default.
*/}}
{{- define "has.otlpPort" -}}
{{- $url := urlParse .Values.tracing.otlpEndpoint }}
{{- if contains ":" $url.host }}
{{- last (splitList ":" $url.host) }}
{{- else if eq $url.scheme "https" }}443
{{- else }}80
{{- end }}
{{- end }}

{{/*
NODE_OPTIONS capping V8's heap at a share of the container's memory limit (Node >= 24 reads the
limit from the cgroup, so the cap follows whatever limit each container has).
*/}}
{{- define "has.nodeOptionsEnv" -}}
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size-percentage=%d" (int .Values.heapPercentOfMemoryLimit) | quote }}
{{- end }}

{{/*
Whether the database CA bundle is mounted.
*/}}
{{- define "has.caBundleEnabled" -}}
{{- if and (eq .Values.store "postgres") .Values.database.caBundle.configMapName }}true{{ end }}
{{- end }}

{{/*
Volume for the CA bundle: the chosen key always lands as /etc/ssl/db/ca.pem.
*/}}
{{- define "has.caBundleVolume" -}}
- name: db-ca
  configMap:
    name: {{ .Values.database.caBundle.configMapName }}
    items:
      - key: {{ .Values.database.caBundle.key }}
        path: ca.pem
{{- end }}

{{- define "has.caBundleMount" -}}
- name: db-ca
  mountPath: /etc/ssl/db
  readOnly: true
{{- end }}

{{/*
Seconds from the start of a pod's deletion until it has surely stopped serving: preStop, then the
shutdown delay and the drain bound. Same rule as `drainEndsSeconds` in src/values.ts (the Pulumi
program's target group); a load balancer must keep a deregistered target this long.
*/}}
{{- define "has.drainEndsSeconds" -}}
{{- $s := .Values.shutdown }}
{{- add $s.preStopSleepSeconds (div (add $s.delayMs $s.timeoutMs 999) 1000) }}
{{- end }}

{{/*
Cross-value rules the JSON schema cannot express. Rendered (as nothing) by the Deployment, so any
`helm template`/`install` stops here with a message saying what to change.
*/}}
{{- define "has.validate" -}}
{{- $v := .Values }}
{{- if eq $v.store "postgres" }}
{{- $db := $v.database }}
{{- if not (or $db.url $db.existingSecret) }}
{{- fail "store=postgres needs database.url (with database.credentials) or database.existingSecret (a Secret whose key database.secretKey holds DATABASE_URL; see the chart README), or use --set store=memory for a database-free try." }}
{{- end }}
{{- if and $db.credentials.appSecret $v.migrations.enabled (not $db.credentials.ownerSecret) }}
{{- fail "database.credentials.appSecret is set but ownerSecret is not: the migration Job needs the owner role's credentials (the app role cannot change the schema). Set database.credentials.ownerSecret, or migrations.enabled=false." }}
{{- end }}
{{- if not (or $v.migrations.enabled $v.migrations.onServerStart) }}
{{- fail "migrations.enabled=false and migrations.onServerStart=false: nothing would migrate the schema. Turn one on." }}
{{- end }}
{{- end }}
{{- if eq $v.store "memory" }}
{{- if or $v.autoscaling.enabled (gt (int $v.replicaCount) 1) }}
{{- fail "store=memory keeps users inside each pod, so with several replicas a GET can reach a pod that never saw the PUT. Use replicaCount=1 and autoscaling.enabled=false with store=memory, or store=postgres." }}
{{- end }}
{{- end }}
{{- $shutdown := $v.shutdown }}
{{- $drainEnds := int (include "has.drainEndsSeconds" .) }}
{{- $neededGrace := add $drainEnds 5 }}
{{- if lt (int $shutdown.terminationGracePeriodSeconds) (int $neededGrace) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds=%d is too short: preStop %ds + shutdown delay and drain %ds + 5s margin = %ds. Kubernetes would SIGKILL pods mid-request; raise it or lower the shutdown timings." (int $shutdown.terminationGracePeriodSeconds) (int $shutdown.preStopSleepSeconds) (int (sub $drainEnds $shutdown.preStopSleepSeconds)) (int $neededGrace)) }}
{{- end }}
{{- if not (dig "limits" "memory" "" $v.resources) }}
{{- fail "resources.limits.memory is required: the heap is capped at heapPercentOfMemoryLimit of it, and without a limit a pod can take a node's memory." }}
{{- end }}
{{- if and $v.migrations.enabled (not (dig "limits" "memory" "" $v.migrations.resources)) }}
{{- fail "migrations.resources.limits.memory is required: the migration Job's heap is capped at heapPercentOfMemoryLimit of it." }}
{{- end }}
{{- if eq (int $v.managementPort) (int $v.containerPort) }}
{{- fail "managementPort must differ from containerPort: the management listener (/metrics, probes) must not be reachable through the load balancer's port." }}
{{- end }}
{{- range $key := list "zone" "host" }}
{{- $spread := index $v.topologySpread $key }}
{{- if and (gt (int (default 0 $spread.minDomains)) 0) (ne $spread.whenUnsatisfiable "DoNotSchedule") }}
{{- fail (printf "topologySpread.%s.minDomains applies only with whenUnsatisfiable=DoNotSchedule (Kubernetes refuses it otherwise); set it to 0 or require the spread." $key) }}
{{- end }}
{{- end }}
{{- if $v.autoscaling.enabled }}
{{- if lt (int $v.autoscaling.maxReplicas) (int $v.autoscaling.minReplicas) }}
{{- fail "autoscaling.maxReplicas must be >= autoscaling.minReplicas." }}
{{- end }}
{{- end }}
{{- if and $v.targetGroupBinding.enabled (not $v.targetGroupBinding.targetGroupArn) }}
{{- fail "targetGroupBinding.enabled needs targetGroupBinding.targetGroupArn (the target group the Pulumi program created)." }}
{{- end }}
{{- if and $v.podDisruptionBudget.enabled (not $v.autoscaling.enabled) }}
{{- if ge (int $v.podDisruptionBudget.maxUnavailable) (int $v.replicaCount) }}
{{- if gt (int $v.replicaCount) 1 }}
{{- fail "podDisruptionBudget.maxUnavailable must be below replicaCount, or a node drain may take every pod down at once." }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
