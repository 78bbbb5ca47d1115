# Versions of the tools the tests build or install, read by deploy/test and deploy/build-kubernetes.sh
# (one place, so the chart the Java tests render is rendered by the same Helm as deploy/test's).
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
ETCD_VERSION=v3.6.16
KUBERNETES_VERSION=v1.34.4
