"""Trust the output: schema and cross-object validation of synthesized manifests.

* every object against its schema (custom resources: the pinned CRD version shipped in ``schemas/``; core
  kinds: Kubernetes ``KUBERNETES_VERSION`` from ``kubernetes-validate``), scope included;
* the cross-object checks of ``checks/`` (one module per family, each check named in its messages);
* optionally the ``vllm serve`` arguments with vLLM's own parser (``vllm_args``);
* of the objects the stack did not write (a platform's own, beside the stack's), only their references into the
  stack's objects (``checks.into_stack``).

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
from ..stack_marker import MANAGED_BY, MANAGED_BY_LABEL
from .apply_size import apply_size_warnings
from .checks import REGISTRY, run_checks
from .checks.into_stack import REFERENCE_CHECKS, run_reference_checks
from .credentials import credential_warnings
from .manifests import Manifests, from_objects, load_directory, split_stack
from .schema import KUBERNETES_VERSION, check_schemas, validate_object
from .vllm_args import VLLM_PYTHON_ENV, VllmArgsResult, check_vllm_args

if TYPE_CHECKING:
    from .chart_validation import ChartValidation

__all__ = [
    "KUBERNETES_VERSION",
    "REFERENCE_CHECKS",
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
    ignored: int = 0
    """Objects the stack did not write, checked for their references into the stack's objects only (``llm-stack
    validate --only-stack``). Default: 0."""

    @property
    def notes(self) -> list[str]:
        """Lines for the user (the vLLM check when it was skipped, the objects ignored)."""
        notes = []
        if self.vllm_args.status == "skipped" and self.vllm_args.reason:
            notes.append(f"vLLM argument check skipped: {self.vllm_args.reason}")
        if self.ignored:
            notes.append(
                f"ignored {self.ignored} object(s) the stack did not write (without the label "
                f"{MANAGED_BY_LABEL}: {MANAGED_BY}): only their references to the stack's objects were checked"
            )
        return notes


_NOT_RUN = VllmArgsResult("skipped", "")


def validate_manifests(
    manifests: Manifests, *, vllm_args: bool = False, others: Manifests | None = None
) -> ValidationReport:
    """Validate ``manifests``; raise ``ManifestError`` listing every problem (schema first, then cross-object).

    :param others: objects beside them that the stack did not write: of those only the references into
        ``manifests`` are checked (``checks.into_stack``), whatever their kind. Default: none.
    """
    problems = check_schemas(manifests.objects)
    problems += run_checks(manifests)
    if others is not None:
        problems += run_reference_checks(manifests, others)
    vllm = check_vllm_args(manifests) if vllm_args else _NOT_RUN
    problems += vllm.problems
    if problems:
        raise ManifestError(problems)
    ignored = len(others) if others is not None else 0
    return ValidationReport(len(manifests), vllm, warnings=tuple(apply_size_warnings(manifests)), ignored=ignored)


def validate_objects(
    objects: Iterable[Mapping[str, Any]],
    *,
    vllm_args: bool = False,
    external_secrets: Iterable[tuple[str, str]] | None = None,
    others: Iterable[Mapping[str, Any]] = (),
    others_sources: Mapping[int, str] | None = None,
) -> ValidationReport:
    """Validate parsed objects (e.g. ``synth.manifests(config)``); raises ``ManifestError``.

    :param external_secrets: ``(namespace, name)`` of every Secret created outside the output (the constructs
        declare them: ``ChartValidation.declare_external_secret``); a referenced Secret that is neither in the
        output nor declared is then a problem. Default: None, unknown (as for a directory): a referenced Secret
        missing from the output is taken for a prerequisite.
    :param others: objects beside ``objects`` that the stack did not write (``validate_manifests``). Default: none.
    :param others_sources: ``id(object)`` -> where each of ``others`` comes from (a construct path), for messages.
        Default: none.
    """
    manifests = from_objects(objects)
    if external_secrets is not None:
        manifests.external_secrets = frozenset(external_secrets)
    around = from_objects(others)
    around.sources.update(others_sources or {})
    return validate_manifests(manifests, vllm_args=vllm_args, others=around)


def validate_directory_report(
    path: str | Path, *, vllm_args: bool = True, only_stack: bool = False
) -> ValidationReport:
    """Validate every manifest file under ``path`` (``llm-stack validate``), vLLM arguments included when possible;
    the report warns about credentials in plain text (``credentials.credential_warnings``).

    :param only_stack: validate the objects the stack wrote (those with its marker label, ``stack_marker``) and, of
        the others, only their references into them (``llm-stack validate --only-stack``); the report counts the
        others as ``ignored``. Default: False, every object is validated as the stack's, and a failure in a
        directory that holds others says so.
    """
    manifests = load_directory(path)
    stack, others = split_stack(manifests)
    if only_stack:
        if not len(stack):
            raise ManifestError(
                [
                    f"{path}: no object carries the stack's label {MANAGED_BY_LABEL}: {MANAGED_BY}, so --only-stack "
                    "leaves nothing to validate: pass the output of llm-stack synth or of a cdk8s app using the "
                    "library (or validate without --only-stack)"
                ]
            )
        report = validate_manifests(stack, vllm_args=vllm_args, others=others)
        return replace(report, warnings=(*credential_warnings(stack), *report.warnings))
    try:
        report = validate_manifests(manifests, vllm_args=vllm_args)
    except ManifestError as error:
        if len(stack) and len(others):
            raise ManifestError([*error.problems, _only_stack_hint(path, others)]) from None
        raise
    return replace(report, warnings=(*credential_warnings(manifests), *report.warnings))


_NAMED_OTHERS = 3
"""Objects the stack did not write that a failure names (it counts the rest)."""


def _only_stack_hint(path: str | Path, others: Manifests) -> str:
    named = ", ".join(others.where(obj) for obj in others.objects[:_NAMED_OTHERS])
    more = f" and {len(others) - _NAMED_OTHERS} more" if len(others) > _NAMED_OTHERS else ""
    return (
        f"[only-stack] {len(others)} object(s) here were not written by the stack (no label {MANAGED_BY_LABEL}: "
        f"{MANAGED_BY}): {named}{more}. If the problems above are theirs, validate with --only-stack "
        f"(llm-stack validate {path} --only-stack): it checks the stack's objects, and of the others only their "
        "references into the stack's"
    )


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
