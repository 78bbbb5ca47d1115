#!/usr/bin/env python3
"""The image's SBOM (CycloneDX 1.6 JSON): every Debian package of the root file system (from its
dpkg database), the Java runtime cut by jlink (from its `release` file: version, vendor, modules),
and the agent with the libraries in its jar (the Maven build's SBOM, nested under it).

usage: sbom.py ROOT IMAGE AGENT_SBOM OUT_JSON OUT_PACKAGES
  ROOT         the image's root file system, as built
  IMAGE        the image's name and tag
  AGENT_SBOM   otel-agent/target/chelonia-agent.cdx.json (cyclonedx-maven-plugin)
  OUT_JSON     where to write the image's SBOM
  OUT_PACKAGES where to write the Debian packages, one "name version architecture" a line"""
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from urllib.parse import quote


def dpkg_packages(root):
    """Installed packages of the dpkg database under root: (name, version, architecture)."""
    packages = []
    with open(os.path.join(root, "var/lib/dpkg/status"), encoding="utf-8") as status:
        for stanza in status.read().split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if line and not line[0].isspace() and ":" in line:
                    key, value = line.split(":", 1)
                    fields[key] = value.strip()
            if fields.get("Package") and fields.get("Status", "").endswith(" installed"):
                packages.append((fields["Package"], fields["Version"], fields.get("Architecture", "all")))
    return sorted(packages)


def java_release(root):
    with open(os.path.join(root, "opt/chelonia/jre/release"), encoding="utf-8") as release:
        pairs = (line.split("=", 1) for line in release if "=" in line)
        return {k: v.strip().strip('"') for k, v in pairs}


def debian_version(root):
    with open(os.path.join(root, "etc/debian_version"), encoding="utf-8") as f:
        return f.read().strip()


def main(root, image, agent_sbom, out_json, out_packages):
    packages = dpkg_packages(root)
    distro = f"debian-{debian_version(root)}"
    java = java_release(root)
    with open(agent_sbom, encoding="utf-8") as f:
        agent = json.load(f)
    agent_component = dict(agent["metadata"]["component"])
    agent_component["components"] = agent.get("components", [])
    components = [{
        "type": "library",
        "bom-ref": f"deb:{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:deb/debian/{quote(name)}@{quote(version)}?arch={arch}&distro={distro}",
    } for name, version, arch in packages]
    runtime = {
        "type": "framework",
        "bom-ref": "java-runtime",
        "name": "java-runtime",
        "version": java.get("JAVA_RUNTIME_VERSION", java.get("JAVA_VERSION", "")),
        "description": "jlink image of " + java.get("IMPLEMENTOR_VERSION", "the JDK") + ", modules: "
                       + java.get("MODULES", ""),
    }
    if java.get("IMPLEMENTOR"):
        runtime["group"] = java["IMPLEMENTOR"]
    components.append(runtime)
    components.append(agent_component)
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "component": {"type": "container", "bom-ref": "image", "name": image},
        },
        "components": components,
    }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(bom, f, indent=1)
    with open(out_packages, "w", encoding="utf-8") as f:
        f.writelines(f"{name} {version} {arch}\n" for name, version, arch in packages)
    print(f"image: SBOM {out_json}: {len(packages)} Debian packages ({distro}), Java runtime "
          f"{runtime['version']}, the agent and {len(agent_component['components'])} "
          f"libraries in its jar", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
