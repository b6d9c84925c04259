"""A fleet of models behind one gateway: routing, per-model objects and settings, and stable names."""

from __future__ import annotations

import copy
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, find, synth_objects, with_changes

from llm_inference_stack import ValuesError, load_values, stack_config_from_mapping, synthesize
from llm_inference_stack.gateway import (
    MAX_RULES_PER_ROUTE,
    MODEL_HEADER,
    ModelRoute,
    jump_hash,
    route_buckets,
    route_key,
)

FLEET_20 = ROOT / "tests" / "data" / "fleet-20.yaml"
GATEWAY = "llm-stack-ai-gateway"
GATEWAY_NAMESPACE = "kserve-inference"
PER_MODEL_KINDS = ("InferenceService", "PodMonitor", "PodDisruptionBudget", "NetworkPolicy", "ScaledObject")
"""Objects every model has in its own namespace."""
PER_MODEL_GATEWAY_KINDS = ("Backend", "AIServiceBackend")
"""Objects every model has in the gateway's namespace."""

Key = tuple[str, str, str]
"""(kind, namespace, name) of an object."""


def fleet_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(FLEET_20.read_text())
    return values


def model_names(values: dict[str, Any]) -> list[str]:
    config = stack_config_from_mapping(values)
    return [m.resource_name for m in config.models]


def synth_documents(values: dict[str, Any], out: Path) -> dict[Key, str]:
    """The synthesized files' documents, byte for byte, by (kind, namespace, name)."""
    synthesize(stack_config_from_mapping(values), out, on_note=lambda _note: None)
    documents: dict[Key, str] = {}
    for path in sorted(out.rglob("*.yaml")):
        for text in path.read_text().split("\n---\n"):
            obj = yaml.safe_load(text)
            if not obj:
                continue
            key = (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            assert key not in documents, f"two objects {key}"
            documents[key] = text
    return documents


def route_of_each_model(objects: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for route in (o for o in objects if o["kind"] == "AIGatewayRoute"):
        for rule in route["spec"]["rules"]:
            out[rule["backendRefs"][0]["name"]] = route["metadata"]["name"]
    return out


@pytest.fixture(scope="module")
def fleet_synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[Key, str], list[dict[str, Any]]]:
    """The fleet's documents and their objects, synthesized once for the module (hand out copies only)."""
    documents = synth_documents(fleet_values(), tmp_path_factory.mktemp("fleet") / "dist")
    return documents, parsed(documents)


def parsed(documents: dict[Key, str]) -> list[dict[str, Any]]:
    return [yaml.safe_load(text) for text in documents.values()]


@pytest.fixture
def fleet_documents(fleet_synthesized: tuple[dict[Key, str], list[dict[str, Any]]]) -> dict[Key, str]:
    """The fleet's synthesized documents, byte for byte: a test's own copy."""
    return dict(fleet_synthesized[0])


@pytest.fixture
def fleet(fleet_synthesized: tuple[dict[Key, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The fleet's objects as written (synthesize reads its files back and requires the same objects): a test's
    own copy."""
    return copy.deepcopy(fleet_synthesized[1])


# --- the 20-model fleet ------------------------------------------------------------------------


def test_twenty_models_split_into_two_routes_of_at_most_fifteen_rules(fleet: list[dict[str, Any]]) -> None:
    routes = [o for o in fleet if o["kind"] == "AIGatewayRoute"]
    assert sorted(r["metadata"]["name"] for r in routes) == [GATEWAY, f"{GATEWAY}-2"]
    for route in routes:
        assert 1 <= len(route["spec"]["rules"]) <= MAX_RULES_PER_ROUTE
        parent = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": GATEWAY}
        assert route["spec"]["parentRefs"] == [parent]
    assert sum(len(r["spec"]["rules"]) for r in routes) == 20


def test_each_served_name_routes_to_its_own_inference_service(fleet: list[dict[str, Any]]) -> None:
    config = load_values(FLEET_20)
    rules = {
        rule["matches"][0]["headers"][0]["value"]: rule
        for route in fleet
        if route["kind"] == "AIGatewayRoute"
        for rule in route["spec"]["rules"]
    }
    assert sorted(rules) == sorted(m.name for m in config.models)
    for model in config.models:
        rule = rules[model.name]
        assert rule["matches"][0]["headers"][0] == {"name": MODEL_HEADER, "type": "Exact", "value": model.name}
        (ref,) = rule["backendRefs"]
        service_backend = find(fleet, "AIServiceBackend", ref["name"])
        backend = find(fleet, "Backend", service_backend["spec"]["backendRef"]["name"])
        # The gateway's objects stay in the gateway namespace, whatever the model's namespace ...
        assert service_backend["metadata"]["namespace"] == backend["metadata"]["namespace"] == GATEWAY_NAMESPACE
        # ... and point by FQDN at the predictor Service of this model's InferenceService, in its namespace.
        namespace = config.namespace_of(model)
        isvc = find(fleet, "InferenceService", model.resource_name)
        assert isvc["metadata"]["namespace"] == namespace
        assert isvc["spec"]["predictor"]["containers"][0]["args"][2] == model.name  # --served-model-name
        (endpoint,) = backend["spec"]["endpoints"]
        assert endpoint["fqdn"] == {
            "hostname": f"{model.resource_name}-predictor.{namespace}.svc.cluster.local",
            "port": 80,
        }


def test_every_model_has_its_own_objects_in_its_namespace(fleet: list[dict[str, Any]]) -> None:
    config = load_values(FLEET_20)
    keys = Counter((o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in fleet)
    assert max(keys.values()) == 1, "two objects share kind, namespace and name"
    for model in config.models:
        for kind in PER_MODEL_KINDS:
            assert keys[(kind, config.namespace_of(model), model.resource_name)] == 1, (kind, model.name)
        for kind in PER_MODEL_GATEWAY_KINDS:
            assert keys[(kind, GATEWAY_NAMESPACE, model.resource_name)] == 1, (kind, model.name)
    # Shared: the gateway's objects, and one PrometheusRule and one dashboard for the whole fleet.
    monitoring = [o for o in fleet if o["kind"] == "PrometheusRule" or o["metadata"]["name"].endswith("-llm-dashboard")]
    assert len(monitoring) == 2
    assert len(fleet) == 20 * (len(PER_MODEL_KINDS) + len(PER_MODEL_GATEWAY_KINDS)) + len(
        [o for o in fleet if o["metadata"]["name"].startswith(GATEWAY)]
    ) + len(monitoring)


def test_per_model_namespaces_hold_the_model_side_and_admit_the_gateway(fleet: list[dict[str, Any]]) -> None:
    by_namespace = Counter(
        o["metadata"].get("namespace")
        for o in fleet
        if o["kind"] in PER_MODEL_KINDS and o["metadata"]["name"] != GATEWAY
    )
    assert by_namespace == {
        GATEWAY_NAMESPACE: 15 * len(PER_MODEL_KINDS),
        "team-a": 2 * len(PER_MODEL_KINDS),
        "team-b": 2 * len(PER_MODEL_KINDS),
        "team-c": 1 * len(PER_MODEL_KINDS),
    }
    policy = find(fleet, "NetworkPolicy", "mixtral-8x7b")
    assert policy["metadata"]["namespace"] == "team-a"
    assert policy["spec"]["podSelector"]["matchLabels"]["serving.kserve.io/inferenceservice"] == "mixtral-8x7b"
    gateway_peer = policy["spec"]["ingress"][0]["from"][0]
    assert gateway_peer == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": GATEWAY_NAMESPACE}},
        "podSelector": {"matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": GATEWAY}},
    }
    # KEDA reads the queue of this model in its own namespace.
    scaled = find(fleet, "ScaledObject", "mixtral-8x7b")
    assert scaled["metadata"]["namespace"] == "team-a"
    assert 'namespace="team-a"' in scaled["spec"]["triggers"][0]["metadata"]["query"]


def test_network_policy_admits_envoy_from_a_separate_gateway_namespace() -> None:
    values = with_changes(fleet_values(), {"networkPolicy": {"gatewayNamespace": "envoy-gateway-system"}})
    objects = synth_objects(values)
    model_policies = [o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] != GATEWAY]
    assert len(model_policies) == 20
    for policy in model_policies:
        peer = policy["spec"]["ingress"][0]["from"][0]
        assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "envoy-gateway-system"}
    # The gateway's own policy lives with its Envoy pods.
    assert find(objects, "NetworkPolicy", GATEWAY)["metadata"]["namespace"] == "envoy-gateway-system"


def token_limits(objects: list[dict[str, Any]]) -> dict[str, set[tuple[str, int]]]:
    """Served name -> its (unit, tokens) limits, over every BackendTrafficPolicy."""
    limits: dict[str, set[tuple[str, int]]] = {}
    for policy in (o for o in objects if o["kind"] == "BackendTrafficPolicy"):
        for rule in policy["spec"]["rateLimit"]["global"]["rules"]:
            headers = rule["clientSelectors"][0]["headers"]
            assert headers[0] == {"name": "x-client-id", "type": "Distinct"}
            model = headers[1]["value"]
            limits.setdefault(model, set()).add((rule["limit"]["unit"], rule["limit"]["requests"]))
    return limits


def test_per_model_token_limits_differ(fleet: list[dict[str, Any]]) -> None:
    limits = token_limits(fleet)
    assert limits["Meta-Llama-3.1-8B-Instruct"] == {("Minute", 50000)}
    assert limits["llama-3-70b"] == {("Minute", 200000), ("Second", 5000)}
    assert limits["mixtral-8x7b"] == {("Minute", 30000)}
    assert limits["phi-3-mini"] == {("Second", 1000)}  # tokensPerMinute: null drops the stack's
    assert limits["phi-3-medium"] == {("Second", 500), ("Minute", 100000)}  # merged over the stack's
    assert limits["gemma-2-9b"] == {("Minute", 100000)}  # the gateway's default
    assert len(limits) == 20


def test_each_route_has_its_own_token_limit_policy_on_its_http_route(fleet: list[dict[str, Any]]) -> None:
    policies = {o["metadata"]["name"]: o for o in fleet if o["kind"] == "BackendTrafficPolicy"}
    for route in (o for o in fleet if o["kind"] == "AIGatewayRoute"):
        policy = policies.pop(f"{route['metadata']['name']}-backend-traffic")
        # Envoy Gateway attaches one BackendTrafficPolicy per Gateway; the AI Gateway names each HTTPRoute after
        # its AIGatewayRoute.
        assert policy["spec"]["targetRefs"] == [
            {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": route["metadata"]["name"]}
        ]
        assert "type" not in policy["spec"]["rateLimit"]  # deprecated in Envoy Gateway v1.9
        served = {r["matches"][0]["headers"][0]["value"] for r in route["spec"]["rules"]}
        limited = {
            r["clientSelectors"][0]["headers"][1]["value"] for r in policy["spec"]["rateLimit"]["global"]["rules"]
        }
        assert limited == served
    assert not policies


def test_per_model_autoscaling(fleet: list[dict[str, Any]]) -> None:
    replicas = {
        o["metadata"]["name"]: (o["spec"]["minReplicaCount"], o["spec"]["maxReplicaCount"])
        for o in fleet
        if o["kind"] == "ScaledObject"
    }
    assert replicas["llama-3-70b"] == (2, 8)
    assert replicas["qwen2-5-7b"] == (1, 2)
    assert replicas["smollm-1-7b"] == (1, 16)
    assert replicas["gemma-2-9b"] == (1, 4)  # the stack's default
    assert find(fleet, "InferenceService", "llama-3-70b")["spec"]["predictor"]["minReplicas"] == 2
    threshold = find(fleet, "ScaledObject", "smollm-1-7b")["spec"]["triggers"][0]["metadata"]["threshold"]
    assert threshold == "10"


# --- stability: adding or removing a model -----------------------------------------------------


def _extra_model(values: dict[str, Any], name: str, **more: Any) -> dict[str, Any]:
    out = copy.deepcopy(values)
    out["models"].append({"name": name, "storageUri": f"s3://models/{name}/", **more})
    return out


def _without(values: dict[str, Any], index: int) -> dict[str, Any]:
    out = copy.deepcopy(values)
    del out["models"][index]
    return out


@pytest.mark.parametrize(
    "change",
    # One case in the inner loop; the others synthesize more fleets (`make test` runs all).
    [
        "add",
        *[
            pytest.param(c, marks=pytest.mark.slow)
            for c in ("remove-middle", "add-in-own-namespace", "remove-first", "remove-last")
        ],
    ],
)
def test_adding_or_removing_a_model_leaves_every_other_models_objects_byte_for_byte(
    change: str, fleet_documents: dict[Key, str], tmp_path: Path
) -> None:
    base = fleet_values()
    changed = {
        "add": lambda: _extra_model(base, "aaa-new-model"),
        "add-in-own-namespace": lambda: _extra_model(base, "zz-new-model", namespace="team-z"),
        "remove-first": lambda: _without(base, 0),
        "remove-middle": lambda: _without(base, 9),
        "remove-last": lambda: _without(base, 19),
    }[change]()
    before = fleet_documents
    after = synth_documents(changed, tmp_path / "after")
    models_before, models_after = set(model_names(base)), set(model_names(changed))
    kept = models_before & models_after

    per_model = {
        k
        for k in before.keys() | after.keys()
        if k[0] in PER_MODEL_KINDS + PER_MODEL_GATEWAY_KINDS and k[2] != GATEWAY  # the gateway's NetworkPolicy
    }
    for key in per_model:
        if key[2] in kept:
            assert before.get(key) == after.get(key), f"{key} changed"
        else:
            assert key[2] in models_before ^ models_after, key
    # Only the added/removed model's objects appear/disappear; the shared objects keep their names.
    shared_before = {k for k in before if k not in per_model}
    shared_after = {k for k in after if k not in per_model}
    assert shared_before == shared_after
    # Every kept model keeps its route object (20 +- 1 models still need 2 routes).
    routes_before = route_of_each_model(parsed(before))
    routes_after = route_of_each_model(parsed(after))
    assert {m: routes_after[m] for m in kept} == {m: routes_before[m] for m in kept}


@pytest.mark.slow  # two fleets of 24 and 25 models; the rule itself is tested below without synthesis
def test_a_new_route_takes_models_only_into_itself() -> None:
    """From 24 to 25 models the route count goes from 2 to 3: models move only into the new route."""
    base = fleet_values()
    for i in range(4):
        base = _extra_model(base, f"extra-{i}")
    grown = _extra_model(base, "extra-4")
    routes_before = route_of_each_model(synth_objects(base))
    routes_after = route_of_each_model(synth_objects(grown))
    assert set(routes_before.values()) == {GATEWAY, f"{GATEWAY}-2"}
    assert set(routes_after.values()) == {GATEWAY, f"{GATEWAY}-2", f"{GATEWAY}-3"}
    moved = {m for m in routes_before if routes_after[m] != routes_before[m]}
    assert moved, "the new route took no model"
    assert {routes_after[m] for m in moved} == {f"{GATEWAY}-3"}
    assert len(moved) <= 12


# --- the assignment rule, without synthesis ----------------------------------------------------


def _routes(names: list[str]) -> list[ModelRoute]:
    return [ModelRoute(served_model_name=n, backend_name=n, service_host=f"{n}.ns.svc") for n in names]


def _assignment(names: list[str]) -> tuple[dict[str, int], int, set[str]]:
    """Route index of each model, the number of routes, and the models not in their hash's route (overflow)."""
    buckets = route_buckets(_routes(names))
    where = {r.backend_name: i for i, bucket in enumerate(buckets) for r in bucket}
    overflow = {n for n, i in where.items() if i != jump_hash(route_key(n), len(buckets))}
    return where, len(buckets), overflow


@pytest.mark.parametrize("count", [1, 12, 13, 15, 16, 20, 45, 100, 150, 301])
def test_route_buckets_place_every_model_once_and_never_more_than_fifteen(count: int) -> None:
    names = [f"model-{i}" for i in range(count)]
    buckets = route_buckets(_routes(names))
    assert len(buckets) == max(1, -(-count // 12))
    assert all(len(b) <= MAX_RULES_PER_ROUTE for b in buckets)
    assert sorted(r.backend_name for b in buckets for r in b) == sorted(names)
    assert route_buckets(_routes(list(reversed(names)))) == buckets  # the input order does not matter


def test_route_buckets_move_few_models_when_one_is_added_or_removed() -> None:
    rng = random.Random(7)
    moved_total = kept_total = 0
    for _ in range(40):
        count = rng.randrange(2, 200)
        names = [f"m-{rng.getrandbits(40):x}" for _ in range(count)]
        before, routes, overflow = _assignment(names)
        for after, routes_after, overflow_after in (
            _assignment([*names, f"new-{rng.getrandbits(40):x}"]),
            _assignment(names[1:]),
        ):
            kept = before.keys() & after.keys()
            moved = {m for m in kept if before[m] != after[m]}
            moved_total += len(moved)
            kept_total += len(kept)
            if routes_after != routes:
                # One route more (less): models move only into (out of) that last route ...
                last = max(routes, routes_after) - 1
                moved = {m for m in moved if last not in (before[m], after[m])}
            # ... or are models that did not fit in their full route.
            assert moved <= overflow | overflow_after, (count, moved)
    # Over many fleets, a model is almost always left where it was.
    assert moved_total / kept_total < 0.03


def test_object_names_are_unique_across_namespaces() -> None:
    values = fleet_values()
    values["models"][3]["objectName"] = "mistral-7b-instruct"  # same name, but models[2] is also in team-a
    with pytest.raises(ValuesError, match=r"models\[3\]\.objectName"):
        stack_config_from_mapping(values)
    values = fleet_values()
    values["models"][4]["objectName"] = "gemma-2-9b"  # team-b vs the stack's namespace: Backends would collide
    with pytest.raises(ValuesError, match="gateway Backend"):
        stack_config_from_mapping(values)
