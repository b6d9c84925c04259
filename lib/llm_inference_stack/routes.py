"""Which models a gateway routes to, and how they are spread over AIGatewayRoutes (at most 15 rules each).

Plain data and arithmetic, no constructs: the standalone gateway's Envoy bootstrap reads ``ModelRoute`` too.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import INHERIT, Inherit, RateLimitConfig
from .contracts import PooledModel
from .errors import PropError
from .facts import ai_gateway, kserve, vllm
from .settings.gateway import MODELS_PER_ROUTE
from .settings.inherit import over
from .settings.typed import Typed

if TYPE_CHECKING:
    from .contracts import ServedModel

MAX_RULES_PER_ROUTE = ai_gateway.MAX_RULES_PER_ROUTE
"""AIGatewayRoute accepts at most 15 rules."""
ROUTE_PLANNED_RULES = MODELS_PER_ROUTE
"""Models planned per AIGatewayRoute: ``ceil(models / 12)`` routes, leaving room below 15 for hash imbalance."""


@dataclass(frozen=True, kw_only=True)
class ModelRoute(Typed):
    """One served model as a gateway sees it (made by ``add_model`` from a ``ModelServer``)."""

    served_model_name: str
    """Value of ``model`` in client requests."""
    backend_name: str
    """Name of the AIServiceBackend and Backend for this model."""
    service_host: str
    """Cluster DNS name of the model's predictor Service."""
    service_port: int = kserve.PREDICTOR_SERVICE_PORT
    api_prefix: str = vllm.API_PREFIX
    rate_limit: RateLimitConfig | None = None
    pool_name: str | None = None
    """The InferencePool the rule sends to (prefix-aware routing); None: the model's Service."""


def route_buckets(routes: Sequence[ModelRoute]) -> list[list[ModelRoute]]:
    """Spread the models over AIGatewayRoutes (at most 15 rules each) so that a model keeps its route.

    The rule, which depends on nothing but the set of backend names:

    * there are ``ceil(models / 12)`` routes: bucket 0 is the route ``<gateway>``, bucket ``i`` is
      ``<gateway>-<i+1>`` (an empty bucket emits no route);
    * a model goes to bucket ``jump_hash(sha256(backend name), routes)`` (Lamping and Veach's jump consistent
      hash), so adding or removing a model moves no other model while the route count stays the same, and a
      change of the route count (every 12 models) moves only the models that the new (or removed) last
      route takes (about ``1/routes`` of them);
    * a bucket holds at most 15 models: the models are placed in the order of their hash, and those that
      find their bucket full go to the next bucket with room (wrapping around). Only such overflow models
      can move when another model is added or removed.

    Rules within a route are sorted by backend name.
    """
    count = max(1, math.ceil(len(routes) / ROUTE_PLANNED_RULES))
    buckets: list[list[ModelRoute]] = [[] for _ in range(count)]
    overflow: list[tuple[int, ModelRoute]] = []
    for route in sorted(routes, key=lambda r: (route_key(r.backend_name), r.backend_name)):
        bucket = jump_hash(route_key(route.backend_name), count)
        if len(buckets[bucket]) < MAX_RULES_PER_ROUTE:
            buckets[bucket].append(route)
        else:
            overflow.append((bucket, route))
    for bucket, route in overflow:
        while len(buckets[bucket]) >= MAX_RULES_PER_ROUTE:  # count * 15 > len(routes): there is room
            bucket = (bucket + 1) % count
        buckets[bucket].append(route)
    return [sorted(b, key=lambda r: r.backend_name) for b in buckets]


def route_key(backend_name: str) -> int:
    """The 64-bit hash key of a model in ``route_buckets``: the first 8 bytes of sha256(backend name)."""
    return int.from_bytes(hashlib.sha256(backend_name.encode()).digest()[:8], "big")


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash (Lamping and Veach, 2014): a bucket in ``[0, buckets)`` for a 64-bit ``key``."""
    bucket, candidate = -1, 0
    while candidate < buckets:
        bucket = candidate
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        candidate = int((bucket + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return bucket


RATE_LIMIT_PRECEDENCE = (
    "the rate_limit given to add_model (None: no limits), else the model's own (ModelConfig.rate_limit: None for "
    "none, a block over the gateway's), else the gateway's (GatewayConfig.rate_limit)"
)
"""Which token limits ``add_model`` applies, first match wins."""


def rate_limit_for(
    server: ServedModel, given: RateLimitConfig | Inherit | None, gateway_limit: RateLimitConfig | None
) -> RateLimitConfig | None:
    """The limits of ``add_model(server, rate_limit=given)`` on a gateway limiting ``gateway_limit``
    (``RATE_LIMIT_PRECEDENCE``)."""
    if given is not INHERIT:
        return given
    own = server.rate_limit
    if own is INHERIT:
        return gateway_limit
    return None if own is None else over(gateway_limit, own)


def new_route(
    owner: str, server: ServedModel, rate_limit: RateLimitConfig | None, routes: Sequence[ModelRoute]
) -> ModelRoute:
    """The route of ``owner.add_model(server, rate_limit=...)``: ``PropError`` when ``routes`` already has one with the
    server's object name or served model name."""
    route = ModelRoute(
        served_model_name=server.served_model_name,
        backend_name=server.name,
        service_host=server.predictor_service_host,
        service_port=server.service_port,
        api_prefix=server.api_prefix,
        rate_limit=rate_limit,
        pool_name=server.inference_pool_name if isinstance(server, PooledModel) else None,
    )
    for existing in routes:
        if existing.backend_name == route.backend_name or existing.served_model_name == route.served_model_name:
            raise PropError(
                f"{owner}.add_model",
                "server",
                server.served_model_name,
                f"a model named {existing.served_model_name!r} (objects {existing.backend_name!r}) is already "
                "routed: give each model server its own served model name and object name",
            )
    return route
