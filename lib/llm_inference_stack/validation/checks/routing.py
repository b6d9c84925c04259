"""Checks of prefix-aware routing: AIGatewayRoute -> InferencePool -> predictor pods, and the endpoint picker.

The InferencePool selects pods by labels and names a port; its ``endpointPickerRef`` names a Service and port; the
endpoint picker's ``EndpointPickerConfig`` (in the ConfigMap its Deployment mounts) hashes prompts in blocks of
``blockSizeTokens``, which only match vLLM's cache when vLLM runs with prefix caching and that ``--block-size``. The
API server checks none of these: a mistake routes nowhere, or to the right pods for the wrong reason.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser

from ...facts import inference_extension as gie
from ...facts import kserve
from ...safe_yaml import MANIFEST_LIMITS, load_one
from ..manifests import Manifests, Obj, dig, listed, name_of, namespace_of
from .autoscaling import HELD_METRIC, scale_target, selectors_of
from .kserve import args_of, flag_values, inference_services, isvc_for_deployment, model_container
from .network import model_port, policy_rules
from .registry import Problem, check

VLLM_DEFAULT_BLOCK_SIZE = 16
"""vLLM's block size without ``--block-size`` on GPUs (its own copy here, against the construct's)."""


def pools(manifests: Manifests) -> list[Obj]:
    return manifests.of_kind("InferencePool")


def pool_models(manifests: Manifests, pool: Obj) -> list[Obj]:
    """The InferenceServices whose predictor pods the pool's ``matchLabels`` select, in its namespace."""
    wanted = dig(pool, "spec", "selector", "matchLabels")
    if not isinstance(wanted, Mapping) or not wanted:
        return []
    out = []
    for isvc in inference_services(manifests):
        labels = kserve.predictor_pod_labels(name_of(isvc))
        if namespace_of(isvc) == namespace_of(pool) and all(labels.get(k) == v for k, v in wanted.items()):
            out.append(isvc)
    return out


def picker_service(manifests: Manifests, pool: Obj) -> Obj | None:
    name = dig(pool, "spec", "endpointPickerRef", "name")
    return manifests.get("Service", namespace_of(pool), name) if isinstance(name, str) else None


def picker_config(manifests: Manifests, pool: Obj) -> Mapping[str, Any] | None:
    """The ``EndpointPickerConfig`` of the pool's endpoint picker: the ConfigMap its Deployment (the pods the
    referenced Service selects) mounts, under the file ``--config-file`` names."""
    service = picker_service(manifests, pool)
    selector = dig(service, "spec", "selector") if service is not None else None
    if not isinstance(selector, Mapping) or not selector:
        return None
    for deployment in manifests.of_kind("Deployment"):
        labels = dig(deployment, "spec", "template", "metadata", "labels") or {}
        if namespace_of(deployment) != namespace_of(pool) or any(labels.get(k) != v for k, v in selector.items()):
            continue
        for container in listed(dig(deployment, "spec", "template", "spec", "containers")):
            files = flag_values(args_of(container), "--config-file")
            if files:
                return _mounted_config(manifests, deployment, container, files[-1])
    return None


def _mounted_config(manifests: Manifests, deployment: Obj, container: Any, path: str) -> Mapping[str, Any] | None:
    directory, file_name = posixpath.split(path)
    mounts = [m for m in listed(container.get("volumeMounts")) if isinstance(m, Mapping)]
    volume_names = [m.get("name") for m in mounts if posixpath.normpath(str(m.get("mountPath"))) == directory]
    for volume in listed(dig(deployment, "spec", "template", "spec", "volumes")):
        if isinstance(volume, Mapping) and volume.get("name") in volume_names:
            config_map = manifests.get("ConfigMap", namespace_of(deployment), str(dig(volume, "configMap", "name")))
            text = dig(config_map, "data", file_name) if config_map is not None else None
            if isinstance(text, str):
                try:
                    parsed = load_one(text, MANIFEST_LIMITS)
                except Exception:  # a config the picker cannot read is not this check's concern
                    return None
                return parsed if isinstance(parsed, Mapping) else None
    return None


def prefix_scorer(config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The ``prefix-cache-scorer`` plugin of a picker config, if it has one."""
    for plugin in listed(config.get("plugins") if config is not None else None):
        if isinstance(plugin, Mapping) and plugin.get("type") == gie.PREFIX_CACHE_SCORER:
            return plugin
    return None


def _where(pool: Obj) -> str:
    return f"InferencePool {namespace_of(pool)}/{name_of(pool)}"


@check("pool-selector")
def pool_selects_predictor_pods(manifests: Manifests) -> Iterator[Problem]:
    """An InferencePool's ``selector.matchLabels`` must select an InferenceService's predictor pods (the labels
    KServe puts on them), or the endpoint picker has no pod to pick."""
    for pool in pools(manifests):
        if pool_models(manifests, pool):
            continue
        wanted = dig(pool, "spec", "selector", "matchLabels")
        same = manifests.get("InferenceService", namespace_of(pool), name_of(pool))
        example = kserve.predictor_pod_labels(name_of(same) if same is not None else "<isvc>")
        yield Problem(
            pool,
            f"spec.selector.matchLabels {wanted!r} selects no InferenceService's predictor pods in namespace "
            f"{namespace_of(pool)!r} (KServe labels them {example!r}): use those labels",
        )


@check("pool-target-port")
def pool_targets_the_vllm_port(manifests: Manifests) -> Iterator[Problem]:
    """The pool's ``targetPorts`` must hold the port vLLM listens on: the gateway sends to ``podIP:port``."""
    for pool in pools(manifests):
        numbers = [dig(p, "number") for p in listed(dig(pool, "spec", "targetPorts"))]
        for isvc in pool_models(manifests, pool):
            port = model_port(isvc)
            if port not in numbers:
                yield Problem(
                    pool,
                    f"spec.targetPorts is {numbers!r}, but vLLM of InferenceService {name_of(isvc)!r} listens on "
                    f"{port} (its --port): set targetPorts to [{{number: {port}}}]",
                )


@check("pool-endpoint-picker")
def endpoint_picker_ref_names_a_service_port(manifests: Manifests) -> Iterator[Problem]:
    """``endpointPickerRef`` must name a Service in the pool's namespace, and one of its ports."""
    for pool in pools(manifests):
        ref = dig(pool, "spec", "endpointPickerRef")
        if not isinstance(ref, Mapping) or ref.get("kind", "Service") != "Service":
            continue
        service = picker_service(manifests, pool)
        if service is None:
            yield Problem(
                pool,
                f"spec.endpointPickerRef.name {ref.get('name')!r} is no Service in namespace {namespace_of(pool)!r}: "
                "name the endpoint picker's Service",
            )
            continue
        port = dig(ref, "port", "number")
        offered = [p.get("port") for p in listed(dig(service, "spec", "ports")) if isinstance(p, Mapping)]
        if port not in offered:
            yield Problem(
                pool,
                f"spec.endpointPickerRef.port.number is {port!r}, but Service {name_of(service)!r} has ports "
                f"{offered!r}: use its gRPC ext-proc port ({gie.EXT_PROC_PORT})",
            )


@check("route-pool")
def route_backend_is_an_existing_pool(manifests: Manifests) -> Iterator[Problem]:
    """An AIGatewayRoute rule sending to an InferencePool must name one in the route's namespace, by the
    Inference Extension's group."""
    for route in manifests.of_kind("AIGatewayRoute"):
        for r_index, rule in enumerate(listed(dig(route, "spec", "rules"))):
            refs = rule.get("backendRefs") if isinstance(rule, Mapping) else None
            for b_index, ref in enumerate(listed(refs)):
                if not isinstance(ref, Mapping) or ref.get("kind") != gie.POOL_KIND:
                    continue
                where = f"spec.rules[{r_index}].backendRefs[{b_index}]"
                namespace = ref.get("namespace", namespace_of(route))
                if ref.get("group") != gie.GROUP:
                    yield Problem(
                        route, f"{where}.group is {ref.get('group')!r}: an InferencePool's group is {gie.GROUP!r}"
                    )
                elif manifests.get(gie.POOL_KIND, namespace, str(ref.get("name"))) is None:
                    yield Problem(
                        route,
                        f"{where}.name {ref.get('name')!r} is no InferencePool in namespace {namespace!r}: name the "
                        "model's InferencePool",
                    )


@check("prefix-caching")
def pool_models_cache_prefixes(manifests: Manifests) -> Iterator[Problem]:
    """Behind an endpoint picker that scores prefix caches, vLLM must run with ``--enable-prefix-caching``: else no
    pod holds a prefix and the scorer's picks only add load to one pod."""
    for pool in pools(manifests):
        if prefix_scorer(picker_config(manifests, pool)) is None:
            continue
        for isvc in pool_models(manifests, pool):
            args = args_of(model_container(isvc))
            last = [a for a in args if a in ("--enable-prefix-caching", "--no-enable-prefix-caching")]
            if not last or last[-1] != "--enable-prefix-caching":
                yield Problem(
                    isvc,
                    f"spec.predictor.containers[0].args have no --enable-prefix-caching, but {_where(pool)}'s endpoint "
                    f"picker scores prefix caches ({gie.PREFIX_CACHE_SCORER}): add --enable-prefix-caching",
                )


@check("block-size")
def block_sizes_agree(manifests: Manifests) -> Iterator[Problem]:
    """The prefix cache scorer's ``blockSizeTokens`` (with ``autoTune`` off) must be vLLM's ``--block-size``: the
    scorer hashes prompts in blocks of that many tokens to guess which pod caches them."""
    for pool in pools(manifests):
        scorer = prefix_scorer(picker_config(manifests, pool))
        parameters = scorer.get("parameters") if scorer is not None else None
        if not isinstance(parameters, Mapping) or parameters.get("autoTune", True):
            continue
        tokens = parameters.get("blockSizeTokens", gie.DEFAULT_BLOCK_SIZE_TOKENS)
        for isvc in pool_models(manifests, pool):
            given = flag_values(args_of(model_container(isvc)), "--block-size")
            vllm_size = given[-1] if given else str(VLLM_DEFAULT_BLOCK_SIZE)
            if str(tokens) != vllm_size:
                yield Problem(
                    isvc,
                    f"vLLM's --block-size is {vllm_size}, but the prefix cache scorer of {_where(pool)}'s endpoint "
                    f"picker has blockSizeTokens {tokens}: set both to the same number of tokens",
                )


@check("epp-egress-to-pool")
def picker_policy_reaches_its_pool(manifests: Manifests) -> Iterator[Problem]:
    """A NetworkPolicy restricting the endpoint picker's egress must admit its pool's pods on the target port,
    where it scrapes vLLM's metrics."""
    for pool in pools(manifests):
        service = picker_service(manifests, pool)
        selector = dig(service, "spec", "selector") if service is not None else None
        if not isinstance(selector, Mapping) or not selector:
            continue
        for policy in manifests.of_kind("NetworkPolicy"):
            picked = dig(policy, "spec", "podSelector", "matchLabels")
            if namespace_of(policy) != namespace_of(pool) or not isinstance(picked, Mapping) or not picked:
                continue
            if any(selector.get(k) != v for k, v in picked.items()):
                continue
            if "Egress" not in (dig(policy, "spec", "policyTypes") or []):
                continue
            yield from _egress_to_pool(manifests, pool, policy)


def _egress_to_pool(manifests: Manifests, pool: Obj, policy: Obj) -> Iterator[Problem]:
    for isvc in pool_models(manifests, pool):
        labels, port = kserve.predictor_pod_labels(name_of(isvc)), model_port(isvc)
        for rule in policy_rules(policy, "egress"):
            ports = {p.get("port") for p in listed(rule.get("ports")) if isinstance(p, Mapping)}
            peers = [p for p in listed(rule.get("to")) if isinstance(p, Mapping)]
            to_pods = not peers or any(
                all(labels.get(k) == v for k, v in (dig(p, "podSelector", "matchLabels") or {}).items())
                and "ipBlock" not in p
                for p in peers
            )
            if to_pods and (not ports or port in ports):
                break
        else:
            yield Problem(
                policy,
                f"egress to the pods of {_where(pool)} (model {name_of(isvc)!r}) is not admitted on port {port}: the "
                f"endpoint picker could not read vLLM's metrics; add an egress rule to pods {labels}, TCP port {port}",
            )


def _holds(config: Mapping[str, Any] | None) -> bool:
    """Whether a picker config turns flow control on (its feature gate)."""
    return config is not None and gie.FLOW_CONTROL_GATE in listed(config.get("featureGates"))


def _wakes_on(trigger: Any, pool: str) -> bool:
    """Whether a ScaledObject trigger reads the held requests of the pool named ``pool``."""
    query = dig(trigger, "metadata", "query") if isinstance(trigger, Mapping) else None
    if not isinstance(query, str) or trigger.get("type") != "prometheus":
        return False
    try:
        expr = promql_parser.parse(query)
    except ValueError:
        return False  # scaledobject-query names it
    for selector in selectors_of(expr):
        matchers = {m.name: m.value for m in selector.matchers.matchers}
        if selector.name == HELD_METRIC and matchers.get(gie.POOL_METRIC_LABEL) == pool:
            return True
    return False


@check("scale-from-zero-hold")
def zero_replicas_are_held_and_woken(manifests: Manifests) -> Iterator[Problem]:
    """A ScaledObject that may scale to zero (``minReplicaCount`` 0, KEDA's default) targets a model whose
    InferencePool's endpoint picker holds requests (its ``flowControl`` feature gate), and wakes on that pool's held
    requests: at zero replicas vLLM exports nothing, so without both the first request fails and nothing scales up."""
    for scaled in manifests.of_kind("ScaledObject"):
        if dig(scaled, "spec", "minReplicaCount") not in (None, 0):
            continue
        _api, _kind, target = scale_target(scaled)
        isvc = isvc_for_deployment(manifests, namespace_of(scaled), target)
        if isvc is None:
            continue  # scaledobject-target names it
        held = [
            p for p in pools(manifests) if isvc in pool_models(manifests, p) and _holds(picker_config(manifests, p))
        ]
        if not held:
            yield Problem(
                scaled,
                f"spec.minReplicaCount is 0, but nothing holds {name_of(isvc)}'s requests while it has no pod: route "
                f"it "
                f"through an InferencePool whose endpoint picker's EndpointPickerConfig lists featureGates "
                f"[{gie.FLOW_CONTROL_GATE}], or set minReplicaCount 1",
            )
            continue
        triggers = listed(dig(scaled, "spec", "triggers"))
        if not any(_wakes_on(t, name_of(p)) for t in triggers for p in held):
            pool = name_of(held[0])
            yield Problem(
                scaled,
                f"spec.minReplicaCount is 0, but no trigger reads the requests InferencePool {pool} holds, so nothing "
                f"wakes the model (vLLM's metrics do not exist at zero): add a prometheus trigger on "
                f'sum({HELD_METRIC}{{namespace="{namespace_of(scaled)}",{gie.POOL_METRIC_LABEL}="{pool}"}})',
            )
