{{/* Common labels and names of the Novares chart. */}}
{{- define "novares.labels" -}}
app.kubernetes.io/part-of: novabox-mesh
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "novares.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{/* Consul's HTTP address: the value, else the consul subchart's server Service. */}}
{{- define "novares.consulHttpAddr" -}}
{{- if .Values.router.consulHttpAddr -}}
{{ .Values.router.consulHttpAddr }}
{{- else -}}
{{ .Values.consul.global.name }}-server.{{ .Release.Namespace }}.svc:8500
{{- end -}}
{{- end -}}
