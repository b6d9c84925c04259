"""The floor: a bare cdk8s app that writes N objects with plain ``cdk8s.ApiObject``s.

No generated imports, no cdk8s-plus, no validation: only what any cdk8s app pays for N objects (Python and
the jsii kernel starting, the ``constructs`` and ``cdk8s`` assemblies loading, one ``create`` round trip per
object, and ``app.synth()`` writing the YAML). Each object has a name, a namespace and two labels.

Usage: ``python bench/floor_app.py COUNT OUTDIR``
"""

from __future__ import annotations

import sys

import cdk8s


def main(argv: list[str]) -> int:
    count, outdir = int(argv[0]), argv[1]
    app = cdk8s.App(outdir=outdir)
    chart = cdk8s.Chart(app, "floor", disable_resource_name_hashes=True)
    for i in range(count):
        cdk8s.ApiObject(
            chart,
            f"o{i}",
            api_version="v1",
            kind="ConfigMap",
            metadata=cdk8s.ApiObjectMetadata(
                name=f"object-{i:05d}",
                namespace="floor",
                labels={"app.kubernetes.io/name": f"object-{i:05d}", "app.kubernetes.io/part-of": "floor"},
            ),
        )
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
