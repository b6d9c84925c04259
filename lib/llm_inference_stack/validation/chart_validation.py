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
