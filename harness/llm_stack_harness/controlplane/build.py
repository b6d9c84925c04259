"""Pinned, reproducible builds of the control-plane binaries from their Go modules.

Each component has a committed wrapper module (``modules/<name>/go.mod``, ``go.sum``, ``tools.go``) that requires
the upstream module at its pinned version, so go.sum pins the whole dependency graph and a rebuild gives the same
bytes. Upstream ``replace`` and ``exclude`` directives only apply in a main module: the wrappers carry the ones
each upstream go.mod has (kube-apiserver's staging modules point at their published ``v0.34.x`` releases).

Binaries are cached under ``<cache>/controlplane/bin/<name>-<version>-<key>/<binary>``, where ``key`` hashes
the wrapper's files, the build flags and the Go toolchain; a marker written last makes a half-written build
invisible. Go's module and build caches live in ``<cache>/go`` so a rebuild only recompiles what changed.

Go (``pins.GO_VERSION`` or newer) is needed only to build these binaries, i.e. for ``llm-stack verify``;
synthesizing the manifests does not use it. Every version here is read from ``llm_inference_stack.pins``.

``python -m llm_stack_harness.controlplane.build [--only NAME ...] [--extra]`` builds them from a shell.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from llm_inference_stack.pins import (
    AI_GATEWAY_CONTROLLER_COMMIT,
    AI_GATEWAY_CONTROLLER_VERSION,
    ENVOY_GATEWAY_COMMIT,
    ENVOY_GATEWAY_VERSION,
    ETCD_VERSION,
    GO_VERSION,
    HELM_KUBERNETES_MINOR,
    HELM_VERSION,
    INFERENCE_EXTENSION_COMMIT,
    INFERENCE_EXTENSION_VERSION,
    KEDA_COMMIT,
    KEDA_VERSION,
    KSERVE_VERSION,
    KUBERNETES_COMMIT,
    KUBERNETES_VERSION,
    PROMETHEUS_MODULE_VERSION,
    PROMETHEUS_OPERATOR_COMMIT,
    PROMETHEUS_OPERATOR_VERSION,
    PROMETHEUS_VERSION,
    RATELIMIT_VERSION,
    cache_root,
)

from ..base.errors import HarnessError

__all__ = [
    "COMPONENTS",
    "COMPONENTS_BY_NAME",
    "BuildResult",
    "Component",
    "ControlPlaneBuildError",
    "cache_root",
    "ensure_binaries",
    "ensure_binary",
    "main",
]

#: Wrapper modules shipped with the package (one folder per component).
MODULES_DIR = Path(__file__).resolve().parent / "modules"
WRAPPER_FILES = ("go.mod", "go.sum", "tools.go")
MARKER = ".build-complete"
#: ``go build`` flags common to every component (``-ldflags`` is added per component).
BUILD_FLAGS: tuple[str, ...] = ("-trimpath",)
#: Environment of every ``go`` command; GOPROXY, GOSUMDB and the rest are taken as the environment has them.
#: -modcacherw leaves the module cache writable, so ``rm -rf`` of the cache directory works.
GO_ENV_FIXED: Mapping[str, str] = {
    "GOFLAGS": "-mod=readonly -modcacherw",
    "GOTOOLCHAIN": "local",
    "GOWORK": "off",
    "CGO_ENABLED": "0",
}
GO_NEEDED = (
    f"Go {GO_VERSION} or newer (`go` on PATH) is needed to build the control-plane binaries;"
    " it is used only by `llm-stack verify`, not to synthesize the manifests"
)
OUTPUT_TAIL_LINES = 40


def _x(*assignments: str) -> tuple[str, ...]:
    """``-X importpath.name=value`` linker flags."""
    return tuple(f"-X {assignment}" for assignment in assignments)


@dataclasses.dataclass(frozen=True)
class Component:
    """One control-plane binary: its module, version (from :mod:`llm_inference_stack.pins`) and flags (the wrapper
    module holds the dependency graph)."""

    name: str
    """Folder under ``modules/`` and the cache directory prefix."""
    module: str
    """Upstream Go module the wrapper requires."""
    version: str
    """Version of :attr:`module` (the wrapper's go.mod requires exactly this)."""
    main_package: str
    """Import path of the ``package main`` that is built."""
    binary: str
    """File name of the built executable."""
    ldflags: tuple[str, ...] = ()
    """Extra linker flags (version stamping), after ``-s -w``."""
    default: bool = True
    """Built by :func:`ensure_binaries` without names; the others on request (``--extra``)."""
    wrapper: str = ""
    """Folder under ``modules/`` of the wrapper module, when several binaries share one (default: :attr:`name`)."""
    tags: tuple[str, ...] = ()
    """Go build tags (``-tags``), as upstream documents them for a smaller build."""

    @property
    def module_dir(self) -> Path:
        return MODULES_DIR / (self.wrapper or self.name)

    @property
    def ldflags_string(self) -> str:
        return " ".join(("-s", "-w", *self.ldflags))

    @property
    def flags(self) -> tuple[str, ...]:
        """``go build`` flags before the output path: :data:`BUILD_FLAGS`, the tags, the linker flags."""
        tags = ("-tags", ",".join(self.tags)) if self.tags else ()
        return (*BUILD_FLAGS, *tags, "-ldflags", self.ldflags_string)


#: ``git describe --tags --long`` form, as the AI Gateway's Makefile stamps it.
AI_GATEWAY_LDFLAGS = _x(
    "github.com/envoyproxy/ai-gateway/internal/version.version="
    f"{AI_GATEWAY_CONTROLLER_VERSION}-0-g{AI_GATEWAY_CONTROLLER_COMMIT[:7]}"
)


def _kube_version_ldflags() -> tuple[str, ...]:
    flags: list[str] = []
    major, minor = KUBERNETES_VERSION.removeprefix("v").split(".")[:2]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += _x(
            f"{package}.gitVersion={KUBERNETES_VERSION}",
            f"{package}.gitMajor={major}",
            f"{package}.gitMinor={minor}",
            f"{package}.gitCommit={KUBERNETES_COMMIT}",
            f"{package}.gitTreeState=clean",
        )
    return tuple(flags)


def _helm_version_ldflags() -> tuple[str, ...]:
    """What Helm's Makefile stamps for a tagged release: the version (no ``unreleased`` metadata), a clean tree, and
    the Kubernetes version of its client-go (major + 1, as the Makefile computes it) in the two packages that assume
    one without a cluster. The Go module proxy does not report the tag's commit, so ``gitCommit`` stays empty."""
    kube = ("1", HELM_KUBERNETES_MINOR)
    return _x(
        f"helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
        "helm.sh/helm/v3/internal/version.metadata=",
        "helm.sh/helm/v3/internal/version.gitTreeState=clean",
        *(
            f"helm.sh/helm/v3/{package}.{name}={value}"
            for package in ("pkg/lint/rules", "pkg/chartutil")
            for name, value in zip(("k8sVersionMajor", "k8sVersionMinor"), kube, strict=True)
        ),
    )


#: Build order: etcd and kube-apiserver first (the API server is usable while the controllers still build),
#: the largest (KEDA, every scaler) last.
COMPONENTS: tuple[Component, ...] = (
    Component(
        # package main at the module root; its go.mod replaces the other etcd modules with ../ paths,
        # the wrapper takes their published releases of the same version.
        name="etcd",
        module="go.etcd.io/etcd/server/v3",
        version=ETCD_VERSION,
        main_package="go.etcd.io/etcd/server/v3",
        binary="etcd",
    ),
    *(
        Component(
            # One wrapper module (modules/kubernetes) for the three binaries of k8s.io/kubernetes: one go.sum, one
            # dependency graph, and the packages they share compiled once.
            name=binary,
            module="k8s.io/kubernetes",
            version=KUBERNETES_VERSION,
            main_package=f"k8s.io/kubernetes/cmd/{binary}",
            binary=binary,
            # Without these the server reports v0.0.0-master and clients that parse the version refuse it.
            ldflags=_kube_version_ldflags(),
            wrapper="kubernetes",
        )
        for binary in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    ),
    Component(
        name="kserve-manager",
        module="github.com/kserve/kserve",
        version=KSERVE_VERSION,
        main_package="github.com/kserve/kserve/cmd/manager",
        binary="kserve-manager",
    ),
    Component(
        name="envoy-gateway",
        module="github.com/envoyproxy/gateway",
        version=ENVOY_GATEWAY_VERSION,
        main_package="github.com/envoyproxy/gateway/cmd/envoy-gateway",
        binary="envoy-gateway",
        ldflags=_x(
            f"github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion={ENVOY_GATEWAY_VERSION}",
            f"github.com/envoyproxy/gateway/internal/cmd/version.gitCommitID={ENVOY_GATEWAY_COMMIT}",
        ),
    ),
    Component(
        # AI_GATEWAY_VERSION (the tag of the AI Gateway CRDs in shared/controlplane) is not served by the Go module
        # proxy; AI_GATEWAY_CONTROLLER_VERSION is the newest release it serves. The controller stamps this version
        # into the extproc config and extproc compares it, so both are built with the same -X value.
        name="aigw-controller",
        module="github.com/envoyproxy/ai-gateway",
        version=AI_GATEWAY_CONTROLLER_VERSION,
        main_package="github.com/envoyproxy/ai-gateway/cmd/controller",
        binary="aigw-controller",
        ldflags=AI_GATEWAY_LDFLAGS,
    ),
    Component(
        name="keda-operator",
        module="github.com/kedacore/keda/v2",
        version=KEDA_VERSION,
        main_package="github.com/kedacore/keda/v2/cmd/operator",
        binary="keda-operator",
        # KEDA labels the HPAs it creates with this version (app.kubernetes.io/version), without the "v".
        ldflags=_x(
            f"github.com/kedacore/keda/v2/version.Version={KEDA_VERSION.removeprefix('v')}",
            f"github.com/kedacore/keda/v2/version.GitCommit={KEDA_COMMIT}",
        ),
    ),
    Component(
        # The operator's module and version: the metrics adapter serves the operator's metrics to the HPA controller
        # through the API server's aggregation layer.
        name="keda-adapter",
        module="github.com/kedacore/keda/v2",
        version=KEDA_VERSION,
        main_package="github.com/kedacore/keda/v2/cmd/adapter",
        binary="keda-adapter",
        ldflags=_x(
            f"github.com/kedacore/keda/v2/version.Version={KEDA_VERSION.removeprefix('v')}",
            f"github.com/kedacore/keda/v2/version.GitCommit={KEDA_COMMIT}",
        ),
    ),
    Component(
        # The version of the stack's PodMonitor / PrometheusRule CRDs (shared/crds). Upstream's replace directives
        # point at its own pkg/apis/monitoring and pkg/client, published as modules of the same version.
        name="prometheus-operator",
        module="github.com/prometheus-operator/prometheus-operator",
        version=PROMETHEUS_OPERATOR_VERSION,
        main_package="github.com/prometheus-operator/prometheus-operator/cmd/operator",
        binary="prometheus-operator",
        # What its Makefile stamps (github.com/prometheus/common/version), without the build user, branch and date.
        ldflags=_x(
            f"github.com/prometheus/common/version.Version={PROMETHEUS_OPERATOR_VERSION.removeprefix('v')}",
            f"github.com/prometheus/common/version.Revision={PROMETHEUS_OPERATOR_COMMIT}",
        ),
    ),
    Component(
        # The Prometheus the operator configures (its default version); its web UI's assets are not built in (no
        # `builtinassets` tag: the API is what verify reads). Only the Kubernetes service discovery is built in
        # (the tags of upstream's plugins/plugin_*.go): the operator's PodMonitor jobs use kubernetes_sd_configs
        # alone, and the cloud providers' SDKs were half of the build (427 -> 211 CPU seconds on empty caches).
        name="prometheus",
        module="github.com/prometheus/prometheus",
        version=PROMETHEUS_MODULE_VERSION,
        main_package="github.com/prometheus/prometheus/cmd/prometheus",
        binary="prometheus",
        ldflags=_x(f"github.com/prometheus/common/version.Version={PROMETHEUS_VERSION.removeprefix('v')}"),
        tags=("remove_all_sd", "enable_kubernetes_sd"),
    ),
    Component(
        # The endpoint picker of `routing.mode: prefix-aware` (verify runs one per InferencePool); the -X values are
        # what its Dockerfile stamps (the tag's commit and the release ref).
        name="epp",
        module="sigs.k8s.io/gateway-api-inference-extension",
        version=INFERENCE_EXTENSION_VERSION,
        main_package="sigs.k8s.io/gateway-api-inference-extension/cmd/epp",
        binary="epp",
        ldflags=_x(
            f"sigs.k8s.io/gateway-api-inference-extension/version.CommitSHA={INFERENCE_EXTENSION_COMMIT}",
            f"sigs.k8s.io/gateway-api-inference-extension/version.BuildRef={INFERENCE_EXTENSION_VERSION}",
        ),
    ),
    Component(
        name="aigw-extproc",
        module="github.com/envoyproxy/ai-gateway",
        version=AI_GATEWAY_CONTROLLER_VERSION,
        main_package="github.com/envoyproxy/ai-gateway/cmd/extproc",
        binary="aigw-extproc",
        ldflags=AI_GATEWAY_LDFLAGS,
        default=False,
    ),
    Component(
        # The version Envoy Gateway's go.mod requires.
        name="ratelimit",
        module="github.com/envoyproxy/ratelimit",
        version=RATELIMIT_VERSION,
        main_package="github.com/envoyproxy/ratelimit/src/service_cmd",
        binary="ratelimit",
        default=False,
    ),
    Component(
        # Not a control-plane component: the tests lint, render and dry-run install `llm-stack synth --format helm`'s
        # chart with it (`make test` builds it with `--only helm`); verify never needs it.
        name="helm",
        module="helm.sh/helm/v3",
        version=HELM_VERSION,
        main_package="helm.sh/helm/v3/cmd/helm",
        binary="helm",
        ldflags=_helm_version_ldflags(),
        default=False,
    ),
)

COMPONENTS_BY_NAME: Mapping[str, Component] = {component.name: component for component in COMPONENTS}


class ControlPlaneBuildError(HarnessError):
    """A control-plane binary could not be built (the message has the command and the end of Go's output)."""

    def __init__(self, component: str, command: Sequence[str], output: str, reason: str = "build failed") -> None:
        self.component = component
        self.command = tuple(command)
        self.output = output
        tail = "\n".join(output.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])
        message = f"{component}: {reason}"
        if self.command:
            message += f"\ncommand: {shlex.join(self.command)}"
        if tail:
            message += f"\n{tail}"
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class BuildResult:
    """Where a component's binary is and how it got there."""

    component: Component
    path: Path
    reused: bool
    seconds: float


# --------------------------------------------------------------------------------------------------------------
# Go toolchain


def _go_environment(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GO_ENV_FIXED)
    env["GOMODCACHE"] = str(root / "go" / "mod")
    env["GOCACHE"] = str(root / "go" / "build")
    return env


def _find_go(component: str) -> str:
    go = shutil.which("go")
    if go is None:
        raise ControlPlaneBuildError(component, (), "", reason=f"`go` not found on PATH. {GO_NEEDED}")
    return go


def _toolchain_identity(go: str, env: Mapping[str, str], component: str) -> str:
    """What of the toolchain changes the output: version, target and experiments (canonical JSON)."""
    command = [go, "env", "-json", "GOVERSION", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOEXPERIMENT"]
    try:
        completed = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    except OSError as error:
        raise ControlPlaneBuildError(component, command, str(error), reason=f"cannot run go. {GO_NEEDED}") from error
    if completed.returncode != 0:
        raise ControlPlaneBuildError(component, command, completed.stdout + completed.stderr, reason="go env failed")
    return json.dumps(json.loads(completed.stdout), sort_keys=True)


# --------------------------------------------------------------------------------------------------------------
# Builds


def _cache_key(component: Component, toolchain: str) -> str:
    digest = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    for file_name in WRAPPER_FILES:
        part(file_name, (component.module_dir / file_name).read_bytes())
    part("main", component.main_package.encode())
    part("flags", "\0".join(BUILD_FLAGS).encode())
    part("ldflags", component.ldflags_string.encode())
    if component.tags:
        part("tags", ",".join(component.tags).encode())
    part("env", json.dumps(dict(GO_ENV_FIXED), sort_keys=True).encode())
    part("toolchain", toolchain.encode())
    return digest.hexdigest()


def _binary_dir(root: Path, component: Component, key: str) -> Path:
    return root / "controlplane" / "bin" / f"{component.name}-{component.version}-{key[:16]}"


def _is_complete(binary_dir: Path, binary: Path, key: str) -> bool:
    try:
        marker = json.loads((binary_dir / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("key") == key and binary.is_file()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive lock across processes, so two callers never build the same component at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def ensure_binary(
    component: Component, *, root: Path | None = None, on_build: Callable[[Component], object] | None = None
) -> BuildResult:
    """The cached binary of ``component``, built first unless a complete build with the same key exists
    (``on_build`` is told just before a build starts)."""
    root = root or cache_root()
    started = time.monotonic()
    go = _find_go(component.name)
    env = _go_environment(root)
    key = _cache_key(component, _toolchain_identity(go, env, component.name))
    binary_dir = _binary_dir(root, component, key)
    binary = binary_dir / component.binary
    with _locked(root / "controlplane" / "locks" / f"{component.name}.lock"):
        if _is_complete(binary_dir, binary, key):
            return BuildResult(component, binary, reused=True, seconds=time.monotonic() - started)
        if on_build is not None:
            on_build(component)
        work = root / "controlplane" / "build" / f"{component.name}-{key[:16]}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for file_name in WRAPPER_FILES:
            shutil.copyfile(component.module_dir / file_name, work / file_name)
        binary_dir.mkdir(parents=True, exist_ok=True)
        (binary_dir / MARKER).unlink(missing_ok=True)
        partial = binary_dir / f"{component.binary}.partial"
        command = [go, "build", *component.flags, "-o", str(partial), component.main_package]
        try:
            completed = subprocess.run(
                command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
            )
        except OSError as error:
            raise ControlPlaneBuildError(
                component.name, command, str(error), reason=f"cannot run go. {GO_NEEDED}"
            ) from error
        if completed.returncode != 0 or not partial.is_file():
            raise ControlPlaneBuildError(component.name, command, completed.stdout)
        os.replace(partial, binary)
        seconds = time.monotonic() - started
        marker = {
            "key": key,
            "component": component.name,
            "module": component.module,
            "version": component.version,
            "main_package": component.main_package,
            "command": command[1:-3] + command[-1:],
            "build_seconds": round(seconds, 1),
        }
        _write_atomically(binary_dir / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n")
        shutil.rmtree(work, ignore_errors=True)
    return BuildResult(component, binary, reused=False, seconds=seconds)


def select_components(names: Iterable[str] | None = None) -> list[Component]:
    """The named components in build order (all default ones when ``names`` is None)."""
    if names is None:
        return [component for component in COMPONENTS if component.default]
    wanted = set(names)
    unknown = sorted(wanted - COMPONENTS_BY_NAME.keys())
    if unknown:
        raise ValueError(f"unknown control-plane component(s) {unknown}; known: {sorted(COMPONENTS_BY_NAME)}")
    return [component for component in COMPONENTS if component.name in wanted]


#: Cold build times measured on a 2-core machine (download + compile, build order above), for the log line.
BUILD_MINUTES_HINT = {
    "etcd": "~1.5 min",
    "kube-apiserver": "~8 min",
    "kube-controller-manager": "~3.5 min",
    "kube-scheduler": "~0.5 min",
    "kserve-manager": "~7 min",
    "envoy-gateway": "~7 min",
    "aigw-controller": "~3.5 min",
    "keda-operator": "~8.5 min",
    "keda-adapter": "~10 min (less after the operator)",
    "prometheus-operator": "~5 min",
    "epp": "~3 min",
    "prometheus": "~5 min",
    "aigw-extproc": "~2 min",
    "ratelimit": "~1 min",
    "helm": "~4 min",
}


def ensure_binaries(
    names: Iterable[str] | None = None,
    *,
    log: Callable[[str], object] = print,
    root: Path | None = None,
    on_result: Callable[[BuildResult], object] | None = None,
) -> dict[str, Path]:
    """Path of each component's binary by name, building the ones not cached yet (one ``log`` line each).

    ``names`` defaults to the default components (not ``aigw-extproc`` and ``ratelimit``). Builds run one at
    a time in :data:`COMPONENTS` order; ``on_result`` is called as each one is ready. Raises
    :class:`ControlPlaneBuildError` when Go is missing or a build fails.
    """
    paths: dict[str, Path] = {}
    for component in select_components(names):
        result = ensure_binary(
            component,
            root=root,
            on_build=lambda c: log(
                f"{c.name} {c.version}: building from its Go module (first use of this version; minutes on "
                f"2 cores: {BUILD_MINUTES_HINT.get(c.name, 'a few')} cold, well under a minute with Go's caches)"
            ),
        )
        how = "reused" if result.reused else f"built in {result.seconds:.1f} s"
        log(f"{component.name} {component.version}: {how}: {result.path}")
        paths[component.name] = result.path
        if on_result is not None:
            on_result(result)
    return paths


# --------------------------------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llm_stack_harness.controlplane.build",
        description="Build (or reuse) the pinned control-plane binaries under the cache directory"
        f" ({cache_root()}/controlplane, set $LLM_STACK_CACHE to change it).",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        choices=sorted(COMPONENTS_BY_NAME),
        help="build only this component (repeatable): " + ", ".join(COMPONENTS_BY_NAME),
    )
    parser.add_argument(
        "--extra",
        action="store_true",
        help="also build the components not built by default: "
        + ", ".join(component.name for component in COMPONENTS if not component.default),
    )
    args = parser.parse_args(argv)
    names: set[str] | None = set(args.only) if args.only else None
    if args.extra:
        names = (names or {component.name for component in COMPONENTS if component.default}) | {
            component.name for component in COMPONENTS if not component.default
        }
    results: list[BuildResult] = []
    started = time.monotonic()
    try:
        ensure_binaries(names, log=lambda line: print(line, file=sys.stderr, flush=True), on_result=results.append)
    except ControlPlaneBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for result in results:
        how = "reused" if result.reused else "built"
        print(f"{result.component.name}\t{result.path}\t{how}\t{result.seconds:.2f}s")
    print(f"total\t{time.monotonic() - started:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
