#!/usr/bin/env bash
# Lints the deployment artefacts offline: the Dockerfile (hadolint), the Kubernetes manifests
# (kubernetes-validate --strict against bundled schemas), everything YAML under deploy/
# (yamllint), deploy/haproxy.cfg (haproxy -c), and the few facts that must agree across files
# (drain timing, what kustomization.yaml applies). Installs missing tools first; seconds after.
# Usage: scripts/deploy-lint.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/pytools.sh
source "$ROOT/scripts/pytools.sh"

ensure_pytools
command -v haproxy >/dev/null || apt_install haproxy
cd "$ROOT" || exit 1
k8s=deploy/kubernetes

log "hadolint Dockerfile"
hadolint Dockerfile || die "hadolint: fix the Dockerfile findings above"

# kustomization.yaml is kustomize's own format, and monitoring/ holds CRDs (ServiceMonitor):
# kubernetes-validate has no offline schema for either.
manifests=()
for file in "$k8s"/*.yaml; do
  [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")
done
log "kubernetes-validate --strict (${#manifests[@]} manifests)"
kubernetes-validate --strict --quiet "${manifests[@]}" \
  || die "kubernetes-validate: a manifest in $k8s does not match the Kubernetes schema"

log "yamllint deploy/"
yamllint --strict -c deploy/.yamllint deploy/ || die "yamllint: fix the findings above"

log "haproxy -c -f deploy/haproxy.cfg"
out="$(haproxy -c -f deploy/haproxy.cfg 2>&1)" || { printf '%s\n' "$out" >&2; die "haproxy rejects deploy/haproxy.cfg"; }
# The app servers' names only resolve inside the compose network: that warning is expected
# (init-addr none starts without them); any other warning is a finding.
if printf '%s\n' "$out" | grep WARNING | grep -qv "could not resolve address"; then
  printf '%s\n' "$out" >&2
  die "haproxy warns about deploy/haproxy.cfg"
fi

log "cross-file consistency"
bash -n deploy/postgres/init-replication.sh || die "deploy/postgres/init-replication.sh does not parse"
"$PARLEY_VENV/bin/python" - "$k8s" <<'PY' || die "deployment files disagree (see above)"
import pathlib, sys, yaml

k8s = pathlib.Path(sys.argv[1])
docs = {}
for path in sorted(k8s.glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and "kind" in doc and "metadata" in doc:
            docs[(doc["kind"], doc["metadata"]["name"])] = (path.name, doc)
errors = []

# Everything but the example Secret is applied by kustomize; nothing listed is missing.
kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
listed = set(kustomization["resources"])
present = {p.name for p in k8s.glob("*.yaml")} - {"kustomization.yaml"}
for name in sorted(present - listed - {"secret.example.yaml"}):
    errors.append(f"{name} is not listed in kustomization.yaml")
for name in sorted(listed - present):
    errors.append(f"kustomization.yaml lists {name}, which does not exist")
if "secret.example.yaml" in listed:
    errors.append("kustomization.yaml must not apply secret.example.yaml")

# The pod must outlive the application's own drain: grace, then closing sockets and requests.
grace = float(docs[("ConfigMap", "parley-config")][1]["data"]["SHUTDOWN_GRACE_SECONDS"])
web = docs[("Deployment", "parley")][1]["spec"]["template"]["spec"]
termination = web["terminationGracePeriodSeconds"]
if termination < grace + 10:
    errors.append(
        f"terminationGracePeriodSeconds {termination} must be at least SHUTDOWN_GRACE_SECONDS "
        f"{grace:g} + 10 s to close WebSockets and finish requests"
    )
# The web tier leaves notification jobs to the worker Deployment.
env = {e["name"]: e.get("value") for e in web["containers"][0].get("env", [])}
if env.get("NOTIFICATION_WORKER") != "false":
    errors.append("the web Deployment must set NOTIFICATION_WORKER=false (workers consume)")

for error in errors:
    print(f"error: {error}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY

log "deployment artefacts are clean"
