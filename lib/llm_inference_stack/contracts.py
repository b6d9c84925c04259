"""What the constructs need of each other, as small protocols (cdk8s-plus' ``IScalable``, ``IPodSelector``,
``INetworkPolicyPeer``).

A construct asks for the protocol, never for another construct's class: ``Autoscaler(target=...)`` takes any
``Scalable``, a gateway's ``add_model`` any ``ServedModel``, ``ModelServer.allow_ingress_only_from`` any
``PodPeer``, and the chart drives its gateway through ``Gateway``. So a new kind of target, model or gateway
needs no change to the constructs that use it, and no construct module imports another one sideways.
``check_contract`` turns a value that does not fit into a ``PropError`` naming what it lacks.

``typed_props`` is the other half of a construct's contract with its caller: every public construct's constructor
and public methods check what they are given against their annotations (``_typed.conform``) before anything reads
it, so misuse (``ModelServer(chart, "m", model="llama")``, a typo'd or missing prop) is a ``PropError`` naming
the construct, the prop, the value and the fix, never an ``AttributeError``, ``TypeError`` or jsii error; and
``help(ModelServer)`` and ``inspect.signature(ModelServer)`` show the real keyword-only props, not the
``(*args, **kwargs)`` of jsii's metaclass.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable

from constructs import Construct

from ._typed import Mismatch, conform, hints
from .errors import PropError
from .names import is_label_value, is_qualified_name
from .settings import INHERIT, AutoscalingConfig, GatewayConfig, Inherit, PhoenixConfig, RateLimitConfig


@runtime_checkable
class PodPeer(Protocol):
    """Pods a NetworkPolicy can admit: their namespace and the labels that select them."""

    @property
    def namespace(self) -> str: ...

    @property
    def pod_selector(self) -> Mapping[str, str]:
        """Labels of the pods."""
        ...


@runtime_checkable
class ServedModel(PodPeer, Protocol):
    """A model a gateway routes to (``ModelServer``): its names, where its API is, and its pods."""

    @property
    def name(self) -> str:
        """Object name of the model (the gateway's Backend and rule are named after it)."""
        ...

    @property
    def served_model_name(self) -> str:
        """Value of ``model`` in client requests."""
        ...

    @property
    def predictor_service_host(self) -> str:
        """Cluster DNS name of the Service in front of the model's pods."""
        ...

    @property
    def service_port(self) -> int: ...

    @property
    def port(self) -> int:
        """The pods' port behind ``service_port`` (what a NetworkPolicy toward the pods admits)."""
        ...

    @property
    def api_prefix(self) -> str:
        """Path prefix of the OpenAI API (``/v1``)."""
        ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def rate_limit(self) -> RateLimitConfig | Inherit | None:
        """The model's own token limits (``INHERIT``: the gateway's; None: none)."""
        ...

    @property
    def network_policy(self) -> Construct | None:
        """The NetworkPolicy admitting the gateway to the model's pods, once made."""
        ...

    def allow_ingress_only_from(
        self, *, gateway: PodPeer, prometheus_namespace: str | None = None, gateway_namespace: str | None = None
    ) -> Construct:
        """Admit only ``gateway``'s pods (and Prometheus) to the model's pods; returns the NetworkPolicy."""
        ...

    def drain_connections(self, *, lifetime_seconds: int) -> None:
        """Keep a stopping pod serving until a gateway's connections to it, which live at most ``lifetime_seconds``,
        are closed."""
        ...


@runtime_checkable
class CachingModel(ServedModel, Protocol):
    """A model server whose vLLM can keep a prefix cache (``ModelServer``): what ``InferenceRouting`` routes to."""

    @property
    def prefix_cache_block_size(self) -> int | None:
        """vLLM's ``--block-size`` with prefix caching on; None until ``enable_prefix_caching``."""
        ...

    def enable_prefix_caching(self, *, block_size: int) -> None:
        """Run vLLM with ``--enable-prefix-caching --block-size <block_size>``."""
        ...


@runtime_checkable
class PooledModel(ServedModel, Protocol):
    """A model a gateway reaches through an InferencePool and its endpoint picker (``InferenceRouting``), in the
    model's namespace."""

    @property
    def inference_pool_name(self) -> str:
        """Name of the InferencePool the gateway's rule sends to."""
        ...

    @property
    def endpoint_picker_selector(self) -> Mapping[str, str]:
        """Labels of the endpoint picker's pods (the gateway's Envoy reaches them)."""
        ...

    @property
    def endpoint_picker_port(self) -> int:
        """The endpoint picker's gRPC ext-proc port."""
        ...


@runtime_checkable
class Scalable(Protocol):
    """What an ``Autoscaler`` scales (``ModelServer``): a Deployment of a served model, and what the autoscaler
    tells it back (the replicas to start with, the Prometheus that reads its metrics)."""

    @property
    def name(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def served_model_name(self) -> str:
        """The ``model_name`` label of the model's metrics."""
        ...

    @property
    def predictor_name(self) -> str:
        """Name of the Deployment to scale."""
        ...

    @property
    def autoscaling(self) -> AutoscalingConfig | None:
        """The target's own autoscaling, used when the autoscaler is given none."""
        ...

    min_replicas: int
    """Replicas before the autoscaler takes over; the autoscaler sets it."""
    prometheus_namespace: str
    """Namespace of the Prometheus that reads the metrics; the autoscaler sets it."""


@runtime_checkable
class StartsFromZero(Scalable, Protocol):
    """A ``Scalable`` that may be scaled to zero (``ModelServer``): how long a new replica may take to start, which a
    hold of its first requests must cover."""

    @property
    def startup_timeout_seconds(self) -> int: ...


@runtime_checkable
class RequestHold(Protocol):
    """What holds a scaled-to-zero model's first requests while it starts (``InferenceRouting`` with flow control):
    how long a request may wait, and the query of the requests waiting, which exists with no replica at all."""

    @property
    def hold_seconds(self) -> int:
        """How long a request may wait before it fails."""
        ...

    @property
    def held_requests_query(self) -> str:
        """PromQL of the requests held now (one series)."""
        ...


@runtime_checkable
class RoutedModel(Protocol):
    """What a gateway's ``add_model`` returns: the model and its route."""

    @property
    def server(self) -> ServedModel: ...

    @property
    def route(self) -> Any:
        """The ``routes.ModelRoute`` of the model."""
        ...


@runtime_checkable
class Gateway(PodPeer, Protocol):
    """A gateway in front of the models (``AiGateway``, ``StandaloneGateway``), as the chart drives it."""

    @property
    def name(self) -> str: ...

    @property
    def config(self) -> GatewayConfig: ...

    @property
    def emits_gen_ai_metrics(self) -> bool:
        """The gateway exports the ``gen_ai_*`` token metrics the gateway alerts and panels read."""
        ...

    def envoy_pod_namespace(self, configured: str | None) -> str | None:
        """Namespace of the Envoy pods given the NetworkPolicy's ``gateway_namespace`` setting (None: the
        gateway's own)."""
        ...

    def add_model(
        self,
        server: ServedModel,
        *,
        rate_limit: RateLimitConfig | Inherit | None = INHERIT,
        network_policy: bool = True,
    ) -> RoutedModel: ...

    def add_tracing(self, phoenix: PhoenixConfig, *, project_name: str | None = None) -> Construct | None:
        """Send the gateway's spans to ``phoenix``, once; returns the object carrying the trace settings when the
        gateway makes one."""
        ...

    def add_network_policy(
        self, *, prometheus_namespace: str | None = None, pod_namespace: str | None = None
    ) -> Construct:
        """Restrict the gateway's own Envoy pods to the traffic they need; returns the NetworkPolicy."""
        ...


def _members(contract: type) -> list[str]:
    names: list[str] = []
    for cls in contract.__mro__:
        if cls in (Protocol, object) or not getattr(cls, "_is_protocol", False):
            continue
        for name in [*vars(cls).get("__annotations__", {}), *vars(cls)]:
            if not name.startswith("_") and name not in names:
                names.append(name)
    return names


def check_contract(construct: str, prop: str, value: object, contract: type, fix: str) -> None:
    """``PropError`` naming ``construct``, ``prop``, ``value`` and what it lacks of ``contract``, unless it fits."""
    if isinstance(value, contract):
        return
    missing = [name for name in _members(contract) if not hasattr(value, name)]
    raise PropError(construct, prop, value, f"{fix} (a {contract.__name__}; this value has no {', '.join(missing)})")


C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])
_TYPED = "_typed_props"


def _public_name(name: str) -> Any:
    """A name an annotation uses that its module imports for type checkers only (``ApiKeys``)."""
    return getattr(importlib.import_module(__package__ or "llm_inference_stack"), name)


def _call_error(
    owner: str, parameters: list[inspect.Parameter], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> PropError:
    """The ``PropError`` for a call that does not bind: too many positional arguments, an unknown prop, a missing
    one (Python would raise ``TypeError``)."""
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    props = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    if len(args) > len(positional):
        value = args[len(positional)]
        return PropError(
            owner,
            props[0] if props else "(arguments)",
            value,
            f"props are keyword-only: pass {', '.join(f'{n}=...' for n in props)} by name",
        )
    names = [p.name for p in parameters]
    for name in kwargs:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return PropError(owner, name, kwargs[name], f"no such argument: {hint}it takes {', '.join(names)}")
    given = {p.name for p in positional[: len(args)]} | set(kwargs)
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    missing = [p.name for p in parameters if p.default is p.empty and p.kind not in variadic and p.name not in given]
    name = missing[0] if missing else "(arguments)"
    return PropError(owner, name, PropError.MISSING, f"pass {name}=... (it has no default)")


def _check_labels(owner: str, labels: Mapping[str, str]) -> None:
    """A ``labels`` prop holds Kubernetes labels: qualified names as keys, label values."""
    for key, value in labels.items():
        if not is_qualified_name(key):
            raise PropError(
                owner,
                "labels",
                key,
                "use a qualified name as the label key: an optional DNS-1123 prefix and '/', then at most 63 "
                "letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            )
        if not is_label_value(value):
            raise PropError(
                owner,
                f"labels[{key!r}]",
                value,
                "use a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending "
                "with a letter or digit",
            )


_PLACE_ERRORS = {
    "There is already a Construct with name": (
        "id",
        "the scope already has a child with this id: give each construct its own id",
    ),
    "cannot find a parent chart": (
        "scope",
        "create it inside a chart, e.g. scope=cdk8s.Chart(app, 'models'), not in the App itself",
    ),
}
"""What the constructs library says when a construct is put where it cannot go -> the prop and the fix. Read from
its error rather than checked before, so that a construct put in the right place costs no extra call to it."""


def _place_error(owner: str, error: RuntimeError, scope: object, id: object) -> PropError | None:
    for text, (prop, fix) in _PLACE_ERRORS.items():
        if text in str(error):
            return PropError(owner, prop, id if prop == "id" else scope, fix)
    return None


def _checking(func: Callable[..., Any], *, method: bool = True) -> Callable[..., Any]:
    """``func`` (a constructor, a method, or with ``method=False`` a function) with its arguments checked against
    its annotations first."""
    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())[1 if method else 0 :]

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if method:
            owner = type(args[0]).__name__ + ("" if func.__name__ == "__init__" else f".{func.__name__}")
        else:
            owner = func.__qualname__
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            raise _call_error(owner, parameters, args[1:] if method else args, kwargs) from None
        annotations = hints(func, _public_name)
        given = list(bound.arguments.items())[1 if method else 0 :]
        for name, value in given:
            try:
                conform(annotations.get(name, Any), value)
            except Mismatch as mismatch:
                raise PropError(owner, name + mismatch.where, mismatch.value, mismatch.fix(name)) from None
            if name == "labels" and isinstance(value, Mapping):
                _check_labels(owner, value)
        if not (method and func.__name__ == "__init__"):
            return func(*args, **kwargs)
        if not bound.arguments["id"]:
            raise PropError(owner, "id", "", "use a non-empty id, unique among the scope's children")
        try:
            return func(*args, **kwargs)
        except RuntimeError as error:
            translated = _place_error(owner, error, bound.arguments["scope"], bound.arguments["id"])
            if translated is None:
                raise
            raise translated from None

    setattr(checked, _TYPED, True)
    return checked


def typed_call(func: F) -> F:
    """Decorator of a public function: its arguments are checked against its annotations (``PropError``)."""
    return typing.cast(F, _checking(func, method=False))


class _InitSignature:
    """``inspect.signature(cls)`` (and so ``help(cls)``): ``cls.__init__``'s parameters after ``self``, for the class
    it is read on, subclasses included."""

    def __get__(self, instance: object, owner: type) -> inspect.Signature | None:
        if instance is not None:
            return None
        signature = inspect.signature(owner.__init__)  # type: ignore[misc]
        return signature.replace(
            parameters=list(signature.parameters.values())[1:], return_annotation=inspect.Signature.empty
        )


def typed_props(cls: C) -> C:
    """Class decorator of a public construct: its ``__init__`` and public methods check their arguments
    (``PropError``), and the class shows its real signature."""
    for name, member in list(vars(cls).items()):
        public = name == "__init__" or not name.startswith("_")
        if public and inspect.isfunction(member) and not getattr(member, _TYPED, False):
            setattr(cls, name, _checking(member))
    cls.__signature__ = _InitSignature()  # type: ignore[attr-defined]
    return cls
