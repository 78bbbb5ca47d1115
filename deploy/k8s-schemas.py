#!/usr/bin/env python3
"""Turns the Kubernetes OpenAPI v2 spec (api/openapi-spec/swagger.json of the k8s.io/kubernetes
module) into the per-kind JSON schemas kubeconform reads, offline.

One file per kind and version, named as kubeconform's default template expects
({kind}{kindSuffix}.json, e.g. daemonset-apps-v1.json, clusterrole-rbac-v1.json, service-v1.json).
Each file is standalone (every definition it can reach is copied under "definitions") and strict:
every object that lists its properties forbids the others, so a misspelt or misplaced field fails,
as `kubectl apply --validate=strict` would. apiVersion and kind must be the schema's own.
IntOrString and Quantity accept what the API server accepts (a string or a number)."""
import json
import os
import sys

spec_path, out_dir = sys.argv[1], sys.argv[2]
with open(spec_path) as f:
    definitions = json.load(f)["definitions"]

INT_OR_STRING = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}


def fix(node):
    """Strict objects, and int-or-string / Quantity as the API server parses them."""
    if isinstance(node, list):
        return [fix(n) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("format") == "int-or-string":
        return dict(INT_OR_STRING, description=node.get("description", ""))
    out = {k: fix(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


fixed = {name: fix(schema) for name, schema in definitions.items()}
fixed["io.k8s.apimachinery.pkg.api.resource.Quantity"] = QUANTITY
fixed["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = INT_OR_STRING


def refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.split("/")[-1]
            if name not in found:
                found.add(name)
                refs(fixed[name], found)
        for v in node.values():
            refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)


os.makedirs(out_dir, exist_ok=True)
count = 0
for name, schema in definitions.items():
    gvks = schema.get("x-kubernetes-group-version-kind", [])
    if len(gvks) != 1 or "properties" not in schema or "kind" not in schema["properties"]:
        continue
    gvk = gvks[0]
    group, version, kind = gvk["group"], gvk["version"], gvk["kind"]
    api_version = f"{group}/{version}" if group else version
    suffix = (f"-{group.split('.')[0]}-{version}" if group else f"-{version}").lower()
    top = json.loads(json.dumps(fixed[name]))
    top["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
    top["properties"]["kind"] = {"type": "string", "enum": [kind]}
    top["required"] = sorted(set(top.get("required", [])) | {"apiVersion", "kind"})
    used = set()
    refs(top, used)
    top["$schema"] = "http://json-schema.org/draft-07/schema#"
    top["definitions"] = {n: fixed[n] for n in sorted(used)}
    with open(os.path.join(out_dir, f"{kind.lower()}{suffix}.json"), "w") as f:
        json.dump(top, f)
    count += 1
print(f"{count} schemas in {out_dir}", file=sys.stderr)
