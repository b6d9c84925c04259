"""Settings of how the gateway picks a model's pod: through the model's Service, or by an endpoint picker that
prefers the pod holding the request's prefix in its KV cache (the Gateway API Inference Extension)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..facts import inference_extension as gie
from ..pins import EPP_IMAGE
from ._checks import check_image, require
from .inherit import Settings, inherit_defaults

RoutingMode = Literal["service", "prefix-aware"]
"""``service``: the gateway sends to the model's predictor Service (kube-proxy picks a pod); ``prefix-aware``: to an
InferencePool whose endpoint picker scores the pods."""

MAX_WEIGHT = 100


@dataclass(frozen=True, kw_only=True)
class ScorerWeights(Settings):
    """The endpoint picker's scorers and their weights in its scheduling profile (0 leaves a scorer out)."""

    prefix_cache: int = gie.DEFAULT_WEIGHTS[gie.PREFIX_CACHE_SCORER]
    """Weight of ``prefix-cache-scorer`` (the share of the request's prefix blocks a pod is taken to hold), from 1 to
    100. Default: 3 (upstream's default profile)."""
    queue: int = gie.DEFAULT_WEIGHTS[gie.QUEUE_SCORER]
    """Weight of ``queue-scorer`` (vLLM's waiting requests), from 0 (left out) to 100. Default: 2."""
    kv_cache_utilization: int = gie.DEFAULT_WEIGHTS[gie.KV_CACHE_SCORER]
    """Weight of ``kv-cache-utilization-scorer`` (vLLM's KV-cache usage), from 0 (left out) to 100. Default: 2."""

    def __post_init__(self) -> None:
        require(
            1 <= self.prefix_cache <= MAX_WEIGHT,
            "prefix_cache",
            self.prefix_cache,
            f"use an integer from 1 to {MAX_WEIGHT}: prefix-aware routing scores the pods' prefix caches",
        )
        for name in ("queue", "kv_cache_utilization"):
            value = getattr(self, name)
            require(
                0 <= value <= MAX_WEIGHT, name, value, f"use an integer from 0 (the scorer left out) to {MAX_WEIGHT}"
            )

    def weights(self) -> list[tuple[str, int]]:
        """``(plugin type, weight)`` of the scorers in the profile, in upstream's order; weight 0 left out."""
        given = [
            (gie.QUEUE_SCORER, self.queue),
            (gie.KV_CACHE_SCORER, self.kv_cache_utilization),
            (gie.PREFIX_CACHE_SCORER, self.prefix_cache),
        ]
        return [(plugin, weight) for plugin, weight in given if weight > 0]


@dataclass(frozen=True, kw_only=True)
class RoutingConfig(Settings):
    """How the gateway picks one of a model's pods.

    A model's ``routing`` block merges key by key over the stack's ``routing`` (``settings.inherit``).
    """

    mode: RoutingMode = "service"
    """``service`` (the gateway sends to the model's predictor Service) or ``prefix-aware`` (an InferencePool of the
    model's pods and its endpoint picker, which sends a request to the pod most likely to hold its prefix in the KV
    cache, weighed against queue and cache load; vLLM runs with prefix caching). Default: service."""
    scorers: ScorerWeights = ScorerWeights()
    """The endpoint picker's scorers and weights (``prefix-aware``). Default: see ``ScorerWeights``."""
    block_size: int = gie.DEFAULT_BLOCK_SIZE_TOKENS
    """Tokens per KV-cache block: vLLM's ``--block-size`` and the prefix cache scorer's ``blockSizeTokens``
    (``prefix-aware``), a multiple of 16 from 16 to 256. Default: 16 (vLLM's and the scorer's default)."""
    max_prefix_blocks: int = gie.DEFAULT_MAX_PREFIX_BLOCKS
    """The prefix cache scorer's ``maxPrefixBlocksToMatch``: prompts alike in this many blocks are not told apart,
    from 1 to 4096. Default: 256."""
    lru_capacity_per_server: int = gie.DEFAULT_LRU_CAPACITY_PER_SERVER
    """The prefix cache scorer's ``lruCapacityPerServer``: prefix blocks remembered per pod, from 1 to 10000000.
    Default: 31250."""
    failure_mode: Literal["FailOpen", "FailClose"] = gie.DEFAULT_FAILURE_MODE
    """The InferencePool's ``endpointPickerRef.failureMode``: what the gateway does while the endpoint picker does
    not answer (``FailOpen``: send to a pod of the pool anyway; ``FailClose``: refuse). Default: FailOpen (upstream's
    chart)."""
    image: str = EPP_IMAGE
    """Image of the endpoint picker, pinned by tag or digest. Default:
    ``registry.k8s.io/gateway-api-inference-extension/epp:v1.5.0``."""

    def __post_init__(self) -> None:
        inherit_defaults(self, "scorers")
        require(
            16 <= self.block_size <= 256 and self.block_size % 16 == 0,
            "block_size",
            self.block_size,
            "use a multiple of 16 from 16 to 256 (tokens per KV-cache block; vLLM's GPU attention backends take "
            "multiples of 16)",
        )
        require(
            1 <= self.max_prefix_blocks <= 4096,
            "max_prefix_blocks",
            self.max_prefix_blocks,
            "use an integer from 1 to 4096",
        )
        require(
            1 <= self.lru_capacity_per_server <= 10_000_000,
            "lru_capacity_per_server",
            self.lru_capacity_per_server,
            "use an integer from 1 to 10000000",
        )
        check_image("image", self.image)

    @property
    def prefix_aware(self) -> bool:
        return self.mode == "prefix-aware"
