"""The cdk8s side of validation: :class:`ChartValidation` runs the checks of :mod:`llm_inference_stack.validation`
on a chart's objects when ``App.synth()`` validates it.

Apart from the rest of the package, which reads plain manifests: validating a directory never starts Node.js.
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s
import jsii
from constructs import Construct, IValidation

from ..errors import ManifestError
from . import StackValidationError, validate_objects

_VALIDATIONS: dict[str, ChartValidation] = {}
"""The validation of each chart holding the stack's constructs, by the chart's jsii reference."""
_APPS: dict[str, list[ChartValidation]] = {}
"""The validations of each app (by its jsii reference), in the order their charts were made."""

_SHOWN_TWICE = 3
"""Objects written twice that a message names (it counts the rest)."""

Identity = tuple[str, str, str | None, str]
"""What an object is to the API server: group, kind, namespace, name."""


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
        self._app: str = chart.node.root.__jsii_ref__.ref  # type: ignore[attr-defined]

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
            _APPS.setdefault(validation._app, []).append(validation)
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
        written = self._objects()
        twice = self._written_twice(written)
        if twice:
            return twice
        objects = [obj for _, obj in written]
        try:
            validate_objects(objects, external_secrets=self.external_secrets)
        except ManifestError as error:
            return list(error.problems)
        return []

    def _objects(self) -> list[tuple[cdk8s.ApiObject, dict[str, object]]]:
        """The chart's objects as they are now, each with the construct that writes it."""
        return [(c, c.to_json()) for c in self._chart.node.find_all() if isinstance(c, cdk8s.ApiObject)]

    def _written_twice(self, written: list[tuple[cdk8s.ApiObject, dict[str, object]]]) -> list[str]:
        """Objects of this chart that an earlier construct of the app writes too (same group, kind, namespace and
        name; an earlier chart's, or this chart's): applied together, the later one silently replaces the earlier."""
        seen: dict[Identity, cdk8s.ApiObject] = {}
        for validation in _APPS.get(self._app, [self]):
            if validation is self:
                break
            for construct, obj in validation._objects():
                seen.setdefault(_identity(obj), construct)
        problems = []
        for construct, obj in written:
            first = seen.setdefault(_identity(obj), construct)
            if first is not construct:
                _, kind, namespace, name = _identity(obj)
                where = f"{namespace}/{name}" if namespace else name
                problems.append(f"{kind} {where} by {first.node.path!r} and {construct.node.path!r}")
        if not problems:
            return []
        shown = problems[:_SHOWN_TWICE] + (
            [f"and {len(problems) - _SHOWN_TWICE} more"] if problems[_SHOWN_TWICE:] else []
        )
        return [
            f"[written-twice] objects written by two constructs of the app (applied together, one replaces the "
            f"other): {'; '.join(shown)}. Give each stack its own release name or namespace (object names derive "
            "from them), or synthesize the stacks in separate apps"
        ]

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


def _identity(obj: dict[str, object]) -> Identity:
    metadata = obj.get("metadata")
    meta = metadata if isinstance(metadata, dict) else {}
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    namespace = meta.get("namespace")
    return (group, str(obj.get("kind", "")), str(namespace) if namespace else None, str(meta.get("name", "")))
