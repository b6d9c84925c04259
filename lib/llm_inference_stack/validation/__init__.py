"""Trust the output: schema and cross-object validation of synthesized manifests.

* every object against its schema (custom resources: the pinned CRD version shipped in ``schemas/``; core
  kinds: Kubernetes ``KUBERNETES_VERSION`` from ``kubernetes-validate``), scope included;
* the cross-object checks of ``checks/`` (one module per family, each check named in its messages);
* optionally the ``vllm serve`` arguments with vLLM's own parser (``vllm_args``).

``validate_directory`` backs ``llm-stack validate DIR``; ``synth.synthesize`` validates before it writes and swaps the
output in; ``ChartValidation`` gives ``cdk8s synth`` users of the construct the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cdk8s
import jsii
from constructs import Construct, IValidation

from ..errors import ManifestError
from .apply_size import apply_size_warnings
from .checks import REGISTRY, run_checks
from .credentials import credential_warnings
from .manifests import Manifests, from_objects, load_directory
from .schema import KUBERNETES_VERSION, check_schemas, validate_object
from .vllm_args import VLLM_PYTHON_ENV, VllmArgsResult, check_vllm_args

__all__ = [
    "KUBERNETES_VERSION",
    "REGISTRY",
    "VLLM_PYTHON_ENV",
    "ChartValidation",
    "Manifests",
    "StackValidationError",
    "ValidationReport",
    "VllmArgsResult",
    "check_vllm_args",
    "validate_directory",
    "validate_directory_report",
    "validate_manifests",
    "validate_object",
    "validate_objects",
]


@dataclass(frozen=True)
class ValidationReport:
    """A passed validation: how many objects, what became of the optional vLLM argument check, and warnings."""

    count: int
    vllm_args: VllmArgsResult
    warnings: tuple[str, ...] = field(default=())
    """What the user must know although the objects are valid: objects too large for ``kubectl apply``
    (``apply_size``), and in a directory plain-text credentials (``credentials``). Default: none."""

    @property
    def notes(self) -> list[str]:
        """Lines for the user (the vLLM check when it was skipped)."""
        if self.vllm_args.status == "skipped" and self.vllm_args.reason:
            return [f"vLLM argument check skipped: {self.vllm_args.reason}"]
        return []


_NOT_RUN = VllmArgsResult("skipped", "")


def validate_manifests(manifests: Manifests, *, vllm_args: bool = False) -> ValidationReport:
    """Validate ``manifests``; raise ``ManifestError`` listing every problem (schema first, then cross-object)."""
    problems = check_schemas(manifests.objects)
    problems += run_checks(manifests)
    vllm = check_vllm_args(manifests) if vllm_args else _NOT_RUN
    problems += vllm.problems
    if problems:
        raise ManifestError(problems)
    return ValidationReport(len(manifests), vllm, warnings=tuple(apply_size_warnings(manifests)))


def validate_objects(
    objects: Iterable[Mapping[str, Any]],
    *,
    vllm_args: bool = False,
    external_secrets: Iterable[tuple[str, str]] | None = None,
) -> ValidationReport:
    """Validate parsed objects (e.g. ``synth.manifests(config)``); raises ``ManifestError``.

    :param external_secrets: ``(namespace, name)`` of every Secret created outside the output (the constructs
        declare them: ``ChartValidation.declare_external_secret``); a referenced Secret that is neither in the
        output nor declared is then a problem. Default: None, unknown (as for a directory): a referenced Secret
        missing from the output is taken for a prerequisite.
    """
    manifests = from_objects(objects)
    if external_secrets is not None:
        manifests.external_secrets = frozenset(external_secrets)
    return validate_manifests(manifests, vllm_args=vllm_args)


def validate_directory_report(path: str | Path, *, vllm_args: bool = True) -> ValidationReport:
    """Validate every manifest file under ``path`` (``llm-stack validate``), vLLM arguments included when possible;
    the report warns about credentials in plain text (``credentials.credential_warnings``)."""
    manifests = load_directory(path)
    report = validate_manifests(manifests, vllm_args=vllm_args)
    return replace(report, warnings=(*credential_warnings(manifests), *report.warnings))


def validate_directory(path: str | Path) -> int:
    """Validate every manifest file under ``path``; returns the number of objects, raises ``ManifestError``."""
    return validate_directory_report(path).count


class StackValidationError(SystemExit):
    """``App.synth()`` found problems in a chart holding the stack's constructs.

    A ``SystemExit``: a synthesis script that does not catch it ends with exit code 1 and the problems on stderr,
    one per line, without a traceback through the jsii runtime. ``problems`` holds them.
    """

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the synthesized manifests:\n{lines}")

    def __str__(self) -> str:
        return str(self.code)


_VALIDATIONS: dict[str, ChartValidation] = {}
"""The validation of each chart holding the stack's constructs, by the chart's jsii reference."""


@jsii.implements(IValidation)
class ChartValidation:
    """A construct validation running the schema and cross-object checks on a chart's objects.

    Every construct of the stack adds one to its chart (``ChartValidation.of(construct)``), so ``App.synth()``
    checks what it writes, patches included (each ``ApiObject.to_json()``). On a problem synthesis stops with
    ``StackValidationError``.
    """

    def __init__(self, chart: cdk8s.Chart, *, enabled: bool = True) -> None:
        self._chart = chart
        self.enabled = enabled
        """False skips the checks (``synth.synthesize`` validates the resolved objects before writing instead)."""
        self.external_secrets: set[tuple[str, str]] = set()
        """``(namespace, name)`` of the Secrets created outside the output, as the constructs declared them."""
        self._construct_checks: list[Callable[[], list[str]]] = []

    @classmethod
    def of(cls, scope: Construct) -> ChartValidation:
        """The validation of ``scope``'s chart, added to the chart on first use."""
        chart = cdk8s.Chart.of(scope)
        # Keyed by the jsii reference: a chart created on the JavaScript side (cdk8s.Testing.chart()) gets a new
        # Python proxy on every lookup, so an attribute set on one proxy is not on the next.
        key: str = chart.__jsii_ref__.ref  # type: ignore[attr-defined]
        validation = _VALIDATIONS.get(key)
        if validation is None:
            validation = cls(chart)
            _VALIDATIONS[key] = validation
            chart.node.add_validation(validation)
        return validation

    def declare_external_secret(self, namespace: str, name: str) -> None:
        """Secret ``name`` in ``namespace`` is created outside the output (e.g. an existing API-keys Secret)."""
        self.external_secrets.add((namespace, name))

    def add_construct_check(self, check: Callable[[], list[str]]) -> None:
        """A construct's own deferred check (e.g. a gateway given no model), run before the objects are made:
        while one fails, the objects are not resolved (their bodies may need what is missing)."""
        self._construct_checks.append(check)

    def problems(self) -> list[str]:
        """Every problem of the chart's objects as they are now (patches included)."""
        unfinished = [problem for check in self._construct_checks for problem in check()]
        if unfinished:
            return unfinished
        # Chart.to_json() cannot be called from inside a jsii callback ("unexpected completion of callback");
        # each ApiObject's to_json() can.
        objects = [c.to_json() for c in self._chart.node.find_all() if isinstance(c, cdk8s.ApiObject)]
        try:
            validate_objects(objects, external_secrets=self.external_secrets)
        except ManifestError as error:
            return list(error.problems)
        return []

    def validate(self) -> list[str]:
        if not self.enabled:
            return []
        problems = self.problems()
        if problems:
            # Not returned to cdk8s, nor raised as an Exception: jsii's callback loop catches Exception and hands its
            # text to JavaScript, and App.synth() then fails with a RuntimeError chained to a JavaScript stack trace.
            # A SystemExit passes that loop and reaches the caller of App.synth() as it is. No manifest is written; the
            # kernel stays usable (later calls nest inside the abandoned callback), so tests can go on.
            raise StackValidationError(self._chart.node.path, problems)
        return []
