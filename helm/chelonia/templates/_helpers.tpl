{{- define "chelonia.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "chelonia.labels" -}}
app.kubernetes.io/part-of: chelonia
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: include "chelonia.selector" (list . "agent") */}}
{{- define "chelonia.selector" -}}
app.kubernetes.io/name: chelonia-{{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end -}}

{{- define "chelonia.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chelonia.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Collector Service the agents push to. */}}
{{- define "chelonia.collectorName" -}}
{{- .Release.Name | trunc 53 | trimSuffix "-" -}}-collector
{{- end -}}

{{/* The Collector's receivers on TLS (collector.tls), merged over its configuration. */}}
{{/*
The remote-write exporter's headers, merged over collector.yaml (another --config); empty when
there are none or the pipeline is not remote write.
*/}}
{{- define "chelonia.remoteWriteHeaders" -}}
{{- if and .Values.collector.remoteWriteHeaders (eq .Values.collector.pipeline "prometheusRemoteWrite") -}}
{{- dict "exporters" (dict "prometheus_remote_write" (dict "http" (dict "headers" .Values.collector.remoteWriteHeaders))) | toYaml -}}
{{- end -}}
{{- end -}}

{{- define "chelonia.collectorTls" -}}
{{- if .Values.collector.tls.enabled -}}
{{- $tls := dict "cert_file" "/tls/tls.crt" "key_file" "/tls/tls.key" -}}
{{- if .Values.collector.tls.clientAuth -}}
{{- $_ := set $tls "client_ca_file" "/tls/ca.crt" -}}
{{- end -}}
{{- $protocols := dict "grpc" (dict "tls" $tls) "http" (dict "tls" $tls) -}}
{{- dict "receivers" (dict "otlp" (dict "protocols" $protocols)) | toYaml -}}
{{- end -}}
{{- end -}}

{{- define "chelonia.prometheusName" -}}
{{- include "chelonia.fullname" . }}-prometheus
{{- end -}}

{{- define "chelonia.grafanaName" -}}
{{- include "chelonia.fullname" . }}-grafana
{{- end -}}

{{- define "chelonia.prometheusUrl" -}}
http://{{ include "chelonia.prometheusName" . }}:9090
{{- end -}}

{{- define "chelonia.remoteWriteEndpoint" -}}
{{- if .Values.collector.remoteWriteEndpoint -}}
{{- .Values.collector.remoteWriteEndpoint -}}
{{- else if .Values.prometheus.enabled -}}
{{- include "chelonia.prometheusUrl" . }}/api/v1/write
{{- else -}}
{{- .Values.collector.defaultRemoteWriteEndpoint -}}
{{- end -}}
{{- end -}}

{{/* Capabilities of the agent container. See README.md: Deployment > Capabilities. */}}
{{- define "chelonia.capabilities" -}}
{{- if .Values.agent.legacyKernelCapabilities -}}
[SYS_ADMIN, SYS_RESOURCE, SYS_PTRACE, DAC_READ_SEARCH, NET_ADMIN]
{{- else -}}
[BPF, PERFMON, SYS_RESOURCE, SYS_PTRACE, DAC_READ_SEARCH, NET_ADMIN]
{{- end -}}
{{- end -}}

{{/* Labels of a component's objects and pods: the common ones plus its selector labels. */}}
{{- define "chelonia.componentLabels" -}}
app.kubernetes.io/part-of: chelonia
app.kubernetes.io/managed-by: {{ (index . 0).Release.Service }}
helm.sh/chart: {{ printf "%s-%s" (index . 0).Chart.Name (index . 0).Chart.Version | replace "+" "_" }}
{{ include "chelonia.selector" . }}
{{- end -}}

{{/* agent.seccompProfile.type, checked: Localhost (the chart's profile) or RuntimeDefault. */}}
{{- define "chelonia.seccompType" -}}
{{- $type := .Values.agent.seccompProfile.type -}}
{{- if not (has $type (list "Localhost" "RuntimeDefault")) -}}
{{- fail (printf "agent.seccompProfile.type must be Localhost or RuntimeDefault, not %q" $type) -}}
{{- end -}}
{{- $type -}}
{{- end -}}

{{/* The chart's profile, relative to the kubelet's seccomp directory (<kubeletRoot>/seccomp). */}}
{{- define "chelonia.seccompLocalhostProfile" -}}
chelonia/chelonia-agent.json
{{- end -}}

{{/*
One of a few words, else the render fails naming the value: the agent would refuse the word at
start, a CrashLoopBackOff on every node. Arguments: (list "agent.x" .Values.agent.x (list "a" "b")).
*/}}
{{- define "chelonia.oneOf" -}}
{{- $name := index . 0 -}}{{- $value := index . 1 -}}{{- $allowed := index . 2 -}}
{{- if not (has $value $allowed) -}}
{{- fail (printf "%s must be one of %s, was %v" $name (join ", " $allowed) $value) -}}
{{- end -}}
{{- $value -}}
{{- end -}}
