"""Record the status objects the Argo CD health checks are tested on, from the real controllers.

    python scripts/record_argocd_health_fixtures.py      # needs the control plane (make controlplane-deps)

Writes the manifest sets of ``tests/argocd_health_cases.py`` (``dist/`` and ``dist/`` with planted defects), runs
one ``llm-stack verify SET... --collect DIR``, and replaces ``tests/fixtures/argocd-health/`` with the collected
objects of every kind a check is shipped for: those the cases name with their verdict, every other one of ``dist``
(Healthy once settled), and one of each kind as the API server answered the apply (Progressing: no controller has
written a status yet). Each file opens with the expected verdict and how it was recorded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from argocd_health_cases import CASES, EXPECTED, FIXTURES, write_case  # noqa: E402

from llm_inference_stack.gitops.argocd import health_check  # noqa: E402
from llm_stack_harness.controlplane.collect import CONTROL_PLANE, STAGES, set_directory  # noqa: E402


def expected_verdict(case: str, stage: str, obj: dict[str, object], applied_kinds: set[str]) -> str | None:
    """The verdict to record ``obj`` with, or None to leave it out: a kind right after the apply once (from the
    first set that has it), each object a case names, and every other object of ``dist`` once settled."""
    metadata = obj["metadata"]
    assert isinstance(metadata, dict)
    if stage == "applied":
        if obj["kind"] in applied_kinds:
            return None
        applied_kinds.add(str(obj["kind"]))
        return "Progressing"
    named = EXPECTED.get((case, str(obj["kind"]), str(metadata["name"])))
    return named or ("Healthy" if case == "dist" else None)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="argocd-health-") as temp:
        work = Path(temp)
        directories = [write_case(case, work / "sets") for case in CASES]
        collected = work / "collected"
        command = [sys.executable, "-m", "llm_inference_stack.cli", "verify", *map(str, directories)]
        result = subprocess.run([*command, "--collect", str(collected), "--json"], capture_output=True, text=True)
        if not any(collected.glob("*/settled")):
            sys.stderr.write(result.stderr[-4000:])
            print(f"verify collected nothing (exit {result.returncode})", file=sys.stderr)
            return 1
        shutil.rmtree(FIXTURES, ignore_errors=True)
        written = 0
        applied_kinds: set[str] = set()
        for index, (case, directory) in enumerate(zip(CASES, directories, strict=True), start=1):
            for stage in STAGES:
                for path in sorted((set_directory(collected, index, str(directory)) / stage).glob("*.yaml")):
                    obj = yaml.safe_load(path.read_text())
                    group = str(obj["apiVersion"]).rpartition("/")[0]
                    if health_check(group, obj["kind"]) is None:
                        continue
                    verdict = expected_verdict(case, stage, obj, applied_kinds)
                    if verdict is None:
                        continue
                    body = "".join(line for line in path.read_text().splitlines(True) if not line.startswith("#"))
                    header = (
                        f"# Argo CD health expected: {verdict}\n"
                        f"# Recorded by scripts/record_argocd_health_fixtures.py: llm-stack verify --collect on the "
                        f'manifest set "{case}" (tests/argocd_health_cases.py),\n'
                        f"# {STAGES[stage]}; {CONTROL_PLANE}.\n"
                    )
                    name = obj["metadata"]["name"]
                    applied = "-applied" if stage == "applied" else ""
                    target = FIXTURES / f"{group}_{obj['kind']}" / f"{verdict.lower()}-{case}{applied}-{name}.yaml"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(header + body)
                    written += 1
        print(f"recorded {written} objects into {FIXTURES.relative_to(ROOT)}/ (verify exit {result.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
