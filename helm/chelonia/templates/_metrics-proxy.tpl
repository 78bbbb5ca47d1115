{{/*
The metrics proxy container (agent.metricsProxy.enabled): kube-rbac-proxy, the way kube-prometheus
exposes node-exporter. It listens on the node's own IP and the agent's port (the agent keeps the
same port on 127.0.0.1: two specific addresses, no conflict), serves HTTPS, and lets a request
through to the agent only when the API server says its bearer token may `get` /metrics.
*/}}
{{- define "chelonia.metricsProxy" -}}
{{- if ne .Values.agent.metricsBindAddress "127.0.0.1" -}}
{{- fail "agent.metricsProxy.enabled needs agent.metricsBindAddress 127.0.0.1: the proxy takes the port on the node's IP" -}}
{{- end -}}
{{- $proxy := .Values.agent.metricsProxy -}}
- name: metrics-proxy
  image: "{{ $proxy.image.repository }}:{{ $proxy.image.tag }}"
  imagePullPolicy: {{ $proxy.image.pullPolicy }}
  args:
    - --secure-listen-address=[$(NODE_IP)]:{{ .Values.agent.metricsPort }}
    - --upstream=http://127.0.0.1:{{ .Values.agent.metricsPort }}/
    - --allow-paths=/metrics
    {{- if $proxy.tlsSecret }}
    - --tls-cert-file=/etc/metrics-proxy-tls/tls.crt
    - --tls-private-key-file=/etc/metrics-proxy-tls/tls.key
    {{- end }}
  env:
    - name: NODE_IP
      valueFrom:
        fieldRef:
          fieldPath: status.hostIP
  ports:
    - name: https-metrics
      containerPort: {{ .Values.agent.metricsPort }}
      protocol: TCP
  securityContext:
    runAsUser: 65534
    runAsGroup: 65534
    runAsNonRoot: true
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
    seccompProfile:
      type: RuntimeDefault
  resources:
    {{- toYaml $proxy.resources | nindent 4 }}
  {{- if $proxy.tlsSecret }}
  volumeMounts:
    - name: metrics-proxy-tls
      mountPath: /etc/metrics-proxy-tls
      readOnly: true
  {{- end }}
{{- end -}}
