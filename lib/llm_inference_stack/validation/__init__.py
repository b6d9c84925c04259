"""Trust the output: schema and cross-object validation of synthesized manifests.

* every object against its schema (custom resources: the pinned CRD version shipped in ``schemas/``; core
  kinds: Kubernetes ``KUBERNETES_VERSION`` from ``kubernetes-validate``), scope included;
* the cross-object checks of ``checks/`` (one module per family, each check named in its messages);
* optionally the ``vllm serve`` arguments with vLLM's own parser (``vllm_args``).

``validate_directory`` backs ``llm-stack validate DIR``; ``synth.synthesize`` validates before it writes and swaps the
output in; ``ChartValidation`` (``chart_validation``, the only part that loads cdk8s) gives ``cdk8s synth`` users of
the construct the same checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ManifestError
from .apply_size import apply_size_warnings
from .checks import REGISTRY, run_checks
from .credentials import credential_warnings
from .manifests import Manifests, from_objects, load_directory
from .schema import KUBERNETES_VERSION, check_schemas, validate_object
from .vllm_args import VLLM_PYTHON_ENV, VllmArgsResult, check_vllm_args

if TYPE_CHECKING:
    from .chart_validation import ChartValidation

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


def __getattr__(name: str) -> Any:
    # ChartValidation is the cdk8s side (it starts jsii's Node.js): loaded on first use, so that validating a
    # directory (``llm-stack validate``) imports no cdk8s.
    if name == "ChartValidation":
        from .chart_validation import ChartValidation

        return ChartValidation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
