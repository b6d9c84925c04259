"""The cdk8s side of validation: :class:`ChartValidation` runs the checks of :mod:`llm_inference_stack.validation`
on the stack's objects of a chart when ``App.synth()`` validates it, and knows which objects those are.

The stack's own objects are every ``ApiObject`` under a construct of the stack (``ChartValidation.own``: each
construct of the library registers itself when it is made): the construct tree decides, not a name or a label. The
other objects of the app (a platform's Argo CD ``Application``, a cert-manager ``Certificate``, in the same chart
or in another) pass through unchecked, but for their references into the stack's objects
(``checks.into_stack``).

Apart from the rest of the package, which reads plain manifests: validating a directory never starts Node.js.
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s
import jsii
from constructs import Construct, IConstruct, IValidation

from ..errors import ManifestError
from ..stack_marker import MANAGED_BY, MANAGED_BY_LABEL, is_stack_object
from . import StackValidationError, validate_objects

_VALIDATIONS: dict[str, ChartValidation] = {}
"""The validation of each chart holding the stack's constructs, by the chart's jsii reference."""
_APPS: dict[str, list[ChartValidation]] = {}
"""The validations of each app (by its jsii reference), in the order their charts were made."""
_OF_CONSTRUCT: dict[str, ChartValidation] = {}
"""The validation of each construct's chart, by the construct's jsii reference (a construct never changes chart):
``Chart.of`` is a round trip to the jsii kernel, and every construct of a model asks."""

_SHOWN_TWICE = 3
"""Objects written twice that a message names (it counts the rest)."""

Identity = tuple[str, str, str | None, str]
"""What an object is to the API server: group, kind, namespace, name."""
Written = tuple[cdk8s.ApiObject, dict[str, object]]
"""An object as it is now (``ApiObject.to_json()``), with the construct that writes it."""


@jsii.implements(IValidation)
class ChartValidation:
    """A construct validation running the schema and cross-object checks on the stack's objects of a chart, and on
    the references of the app's other objects into them.

    Every construct of the stack adds one to its chart and registers itself with it (``ChartValidation.own``), so
    ``App.synth()`` checks what the stack writes, patches included (each ``ApiObject.to_json()``). On a problem
    synthesis stops with ``StackValidationError``.
    """

    def __init__(self, chart: cdk8s.Chart, *, enabled: bool = True) -> None:
        self._chart = chart
        self.enabled = enabled
        """False skips the checks, and the marker label on objects that lack it (``synth.synthesize`` validates the
        resolved objects before writing instead; the objects of the stack it builds carry the marker already)."""
        self.external_secrets: set[tuple[str, str]] = set()
        """``(namespace, name)`` of the Secrets created outside the output, as the constructs declared them."""
        self._construct_checks: list[Callable[[], list[str]]] = []
        self._owners: list[Construct] = []
        """The constructs of the stack in this chart (``own``), in the order they registered."""
        self._app: str = chart.node.root.__jsii_ref__.ref  # type: ignore[attr-defined]

    @classmethod
    def of(cls, scope: Construct) -> ChartValidation:
        """The validation of ``scope``'s chart, added to the chart on first use."""
        scope_key = _ref(scope)
        known = _OF_CONSTRUCT.get(scope_key)
        if known is not None:
            return known
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
        _OF_CONSTRUCT[scope_key] = validation
        return validation

    @classmethod
    def own(cls, construct: Construct, scope: Construct | None = None) -> ChartValidation:
        """The validation of ``construct``'s chart (as ``of``), which takes ``construct`` for one of the stack's: every
        ``ApiObject`` under it, itself included, is the stack's own, made now or later (``add_model``). Every construct
        of the library calls it once, when it is made; nothing else decides what the stack's objects are.

        :param scope: the scope ``construct`` was made in, whose chart is ``construct``'s (known without asking the
            jsii kernel when ``scope`` asked before). Default: looked up from ``construct``.
        """
        validation = cls.of(construct if scope is None else scope)
        _OF_CONSTRUCT[_ref(construct)] = validation
        validation._owners.append(construct)
        return validation

    def stack_objects(self) -> list[cdk8s.ApiObject]:
        """Every ``ApiObject`` the stack wrote into this chart, nested ones included, in the order the chart writes
        them (its ``cdk8s.DependencyGraph`` order: the construct tree's, unless objects depend on one another)."""
        owned = self._owned()
        if not owned:
            return []
        return [
            c
            for c in cdk8s.DependencyGraph(self._chart.node).topology()
            if isinstance(c, cdk8s.ApiObject) and _ref(c) in owned
        ]

    def _owned_objects(self) -> dict[str, cdk8s.ApiObject]:
        """The stack's objects in this chart as the tree is now, by jsii reference."""
        seen: set[str] = set()
        owned: dict[str, cdk8s.ApiObject] = {}
        for owner in self._owners:
            if _ref(owner) in seen:  # made inside an earlier owner (a ModelServer in its ModelDeployment)
                continue
            for construct in owner.node.find_all():
                ref = _ref(construct)
                seen.add(ref)
                if isinstance(construct, cdk8s.ApiObject):
                    owned[ref] = construct
        return owned

    def _owned(self) -> set[str]:
        """The jsii references of the stack's objects in this chart as the tree is now."""
        return set(self._owned_objects())

    def declare_external_secret(self, namespace: str, name: str) -> None:
        """Secret ``name`` in ``namespace`` is created outside the output (e.g. an existing API-keys Secret)."""
        self.external_secrets.add((namespace, name))

    def add_construct_check(self, check: Callable[[], list[str]]) -> None:
        """A construct's own deferred check (e.g. a gateway given no model), run before the objects are made:
        while one fails, the objects are not resolved (their bodies may need what is missing)."""
        self._construct_checks.append(check)

    def problems(self) -> list[str]:
        """Every problem of the stack's objects in this chart as they are now (patches included), and of the references
        the app's other objects make to them."""
        return self._check()[0]

    def _check(self) -> tuple[list[str], list[cdk8s.ApiObject]]:
        """``problems()``, and the stack's objects that do not carry its marker label yet."""
        unfinished = [problem for check in self._construct_checks for problem in check()]
        if unfinished:
            return unfinished, []
        # Chart.to_json() cannot be called from inside a jsii callback ("unexpected completion of callback");
        # each ApiObject's to_json() can.
        written = self._objects()
        owned = self._owned()
        twice = self._written_twice(written, owned)
        if twice:
            return twice, []
        stack = [(construct, obj) for construct, obj in written if _ref(construct) in owned]
        others = self._others(written, owned)
        try:
            validate_objects(
                [obj for _, obj in stack],
                external_secrets=self.external_secrets,
                others=[obj for _, obj in others],
                others_sources={id(obj): construct.node.path for construct, obj in others},
            )
        except ManifestError as error:
            return list(error.problems), []
        return [], [construct for construct, obj in stack if not is_stack_object(obj)]

    def _objects(self) -> list[Written]:
        """The chart's objects as they are now, each with the construct that writes it."""
        return [(c, c.to_json()) for c in self._chart.node.find_all() if isinstance(c, cdk8s.ApiObject)]

    def _others(self, written: list[Written], owned: set[str]) -> list[Written]:
        """The objects of the app that no stack wrote (this chart's and other charts'), as they are now."""
        validations = _APPS.get(self._app, [self])
        stacks = owned.union(*(v._owned() for v in validations if v is not self))
        here = {_ref(c) for c, _ in written}
        mine = [(c, obj) for c, obj in written if _ref(c) not in stacks]
        root = self._chart.node.root
        rest = [
            (c, c.to_json())
            for c in root.node.find_all()
            if isinstance(c, cdk8s.ApiObject) and _ref(c) not in here and _ref(c) not in stacks
        ]
        return mine + rest

    def _written_twice(self, written: list[Written], owned: set[str]) -> list[str]:
        """Objects of this chart that an earlier construct of the app writes too (same group, kind, namespace and
        name; an earlier chart's, or this chart's), where one of the two is the stack's: applied together, the later
        one silently replaces the earlier. (Two objects of the platform's own are the platform's business.)"""
        seen: dict[Identity, tuple[cdk8s.ApiObject, bool]] = {}
        for validation in _APPS.get(self._app, [self]):
            if validation is self:
                break
            theirs = validation._owned()
            for construct, obj in validation._objects():
                if _ref(construct) in theirs:
                    seen.setdefault(_identity(obj), (construct, True))
        problems = []
        for construct, obj in written:
            mine = _ref(construct) in owned
            first, first_is_stack = seen.setdefault(_identity(obj), (construct, mine))
            if first is not construct and (mine or first_is_stack):
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
            "from them), rename the platform's own object, or synthesize the stacks in separate apps"
        ]

    def validate(self) -> list[str]:
        if not self.enabled:
            return []
        problems, unmarked = self._check()
        # cdk8s runs the construct validations before it resolves any object for writing (App.synth(),
        # Chart.to_json()): the one moment that sees every object the stack and the user made, before every write.
        # The stack's objects carry the marker from their labels (``chart.stack_labels``); objects made otherwise
        # under the stack's constructs (by the constructs in a chart of the user's, or by the user) get it here.
        for obj in unmarked if not problems else []:
            obj.metadata.add_label(MANAGED_BY_LABEL, MANAGED_BY)
        if problems:
            # Not returned to cdk8s, nor raised as an Exception: jsii's callback loop catches Exception and hands its
            # text to JavaScript, and App.synth() then fails with a RuntimeError chained to a JavaScript stack trace.
            # A SystemExit passes that loop and reaches the caller of App.synth() as it is. No manifest is written; the
            # kernel stays usable (later calls nest inside the abandoned callback), so tests can go on.
            raise StackValidationError(self._chart.node.path, problems)
        return []


def _ref(construct: IConstruct) -> str:
    """What identifies a construct across its Python proxies: its jsii reference."""
    ref: str = construct.__jsii_ref__.ref  # type: ignore[attr-defined]
    return ref


def _identity(obj: dict[str, object]) -> Identity:
    metadata = obj.get("metadata")
    meta = metadata if isinstance(metadata, dict) else {}
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    namespace = meta.get("namespace")
    return (group, str(obj.get("kind", "")), str(namespace) if namespace else None, str(meta.get("name", "")))
