"""verify's ``port chain`` and ``NetworkPolicy from`` checks and the Gateway's listeners, on the synthesized manifests
beside the objects the controllers make of them (KServe's predictor Service, Deployment and Pod; Envoy Gateway's
Envoy Deployment; the Prometheus Operator's StatefulSet), as tests/controlplane/test_verify.py sees them for real.
These pin the reading of the NetworkPolicy API (policies add up, peers, named ports) and of each backend kind."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import default_values_copy, synth_objects, with_changes

from llm_inference_stack.facts import envoy_gateway, kserve
from llm_stack_harness.controlplane.checks import Context, check_listeners
from llm_stack_harness.controlplane.report import Report
from llm_stack_harness.controlplane.traffic_checks import check_traffic, vllm_port

Obj = dict[str, Any]
NAMESPACE = "kserve-inference"


class FakeClient:
    """The API server's objects by kind, name and namespace (``None``: every namespace)."""

    def __init__(self, objects: list[Obj]) -> None:
        self.objects = objects

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        return next((o for o in self.list(api_version, kind, namespace) if o["metadata"]["name"] == name), None)

    def list(self, api_version: str, kind: str, namespace: str | None = None, **_: Any) -> list[Obj]:
        return [
            o
            for o in self.objects
            if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]


def _of(objects: list[Obj], kind: str, name: str | None = None) -> Obj:
    return next(o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name))


def controllers_output(objects: list[Obj]) -> list[Obj]:
    """What KServe (Standard mode), Envoy Gateway (GatewayNamespace mode) and the Prometheus Operator create for
    ``objects``, reduced to the fields the checks read."""
    made: list[Obj] = []
    for namespace in {o["metadata"].get("namespace") for o in objects} | {"monitoring", "envoy-gateway-system"}:
        if namespace:
            made.append({"kind": "Namespace", "metadata": {"name": namespace, "labels": {
                "kubernetes.io/metadata.name": namespace}}})  # fmt: skip
    for isvc in (o for o in objects if o["kind"] == "InferenceService"):
        name, namespace = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
        predictor = f"{name}-predictor"
        labels = {"app": f"isvc.{predictor}", "component": "predictor", kserve.INFERENCE_SERVICE_LABEL: name}
        spec = copy.deepcopy(isvc["spec"]["predictor"])
        port = spec["containers"][0]["ports"][0]["containerPort"]
        made += [
            {"kind": "Service", "metadata": {"name": predictor, "namespace": namespace},
             "spec": {"selector": {"app": f"isvc.{predictor}"},
                      "ports": [{"name": f"{predictor}-http", "port": 80, "targetPort": port}]}},
            {"kind": "Deployment", "metadata": {"name": predictor, "namespace": namespace},
             "spec": {"selector": {"matchLabels": {"app": f"isvc.{predictor}"}},
                      "template": {"metadata": {"labels": labels}, "spec": spec}}},
            {"kind": "Pod", "metadata": {"name": f"{predictor}-7d4b9", "namespace": namespace, "labels": labels},
             "spec": spec},
        ]  # fmt: skip
    for gateway in (o for o in objects if o["kind"] == "Gateway"):
        name, namespace = gateway["metadata"]["name"], gateway["metadata"]["namespace"]
        labels = {
            "app.kubernetes.io/name": "envoy",
            "app.kubernetes.io/component": "proxy",
            envoy_gateway.OWNING_GATEWAY_LABEL: name,
            envoy_gateway.OWNING_GATEWAY_NAMESPACE_LABEL: namespace,
        }
        made.append({"kind": "Deployment", "metadata": {"name": name, "namespace": namespace, "labels": labels},
                     "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": []}}}})  # fmt: skip
    prometheus = {"metadata": {"labels": {"app.kubernetes.io/name": "prometheus"}}, "spec": {}}
    made.append({"kind": "StatefulSet", "metadata": {
        "name": "prometheus-verify", "namespace": "monitoring", "ownerReferences": [{"kind": "Prometheus"}]},
        "spec": {"template": prometheus}})  # fmt: skip
    return made


def findings(objects: list[Obj], check: str) -> dict[str, tuple[bool, str]]:
    report = Report()
    ctx = Context(FakeClient([*copy.deepcopy(objects), *controllers_output(objects)]), objects, report)  # type: ignore[arg-type]
    check_traffic(ctx)
    return {
        f"{f['kind']} {f['name']}": (f["ok"], f["detail"]) for f in report.as_dict()["findings"] if f["check"] == check
    }


@pytest.fixture(scope="module")
def synthesized_default() -> list[Obj]:
    return synth_objects(default_values_copy())


@pytest.fixture
def dist(synthesized_default: list[Obj]) -> list[Obj]:
    """The default stack's objects, each test its own copy."""
    return copy.deepcopy(synthesized_default)


def test_the_default_backend_reaches_vllm_through_kserves_service(dist: list[Obj]) -> None:
    chain = findings(dist, "port chain")
    assert set(chain) == {"Backend llama-3-70b"}
    ok, detail = chain["Backend llama-3-70b"]
    assert ok, detail
    assert "Service llama-3-70b-predictor:80 -> targetPort 8080" in detail
    assert "kserve-container:8080 (vLLM --port 8080)" in detail


def test_a_backend_port_the_service_lacks_fails_naming_both(dist: list[Obj]) -> None:
    _of(dist, "Backend")["spec"]["endpoints"][0]["fqdn"]["port"] = 8081
    ok, detail = findings(dist, "port chain")["Backend llama-3-70b"]
    assert not ok
    assert "port 8081: Service llama-3-70b-predictor has ports [80]" in detail


def test_vllm_listening_elsewhere_than_the_container_port_fails(dist: list[Obj]) -> None:
    args = _of(dist, "InferenceService")["spec"]["predictor"]["containers"][0]["args"]
    args[args.index("--port") + 1] = "8000"
    ok, detail = findings(dist, "port chain")["Backend llama-3-70b"]
    assert not ok
    assert "traffic arrives at port 8080 (container port of kserve-container), vLLM listens on --port 8000" in detail


def test_the_model_admits_the_envoy_pods_and_prometheus(dist: list[Obj]) -> None:
    ok, detail = findings(dist, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert ok, detail
    assert "Deployment llm-stack-ai-gateway (kserve-inference)" in detail
    assert "StatefulSet prometheus-verify (monitoring)" in detail


def test_a_policy_admitting_the_controllers_namespace_misses_the_envoy_pods(dist: list[Obj]) -> None:
    policy = _of(dist, "NetworkPolicy", "llama-3-70b")
    policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] = {
        "kubernetes.io/metadata.name": envoy_gateway.NAMESPACE
    }
    ok, detail = findings(dist, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert not ok
    assert (
        "ingress of Pod llama-3-70b-predictor-7d4b9 (kserve-inference) is limited by NetworkPolicy llama-3-70b"
        in detail
    )
    assert "none admits Deployment llm-stack-ai-gateway (kserve-inference" in detail


def test_policies_add_up_a_second_narrow_policy_takes_nothing_away(dist: list[Obj]) -> None:
    narrow = copy.deepcopy(_of(dist, "NetworkPolicy", "llama-3-70b"))
    narrow["metadata"]["name"] = "llama-3-70b-from-epp"
    narrow["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"app": "epp"}}}]}]
    ok, detail = findings([*dist, narrow], "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert ok, detail


def test_a_policy_without_the_scrape_port_shuts_prometheus_out(dist: list[Obj]) -> None:
    policy = _of(dist, "NetworkPolicy", "llama-3-70b")
    policy["spec"]["ingress"][1]["ports"] = [{"port": 9090, "protocol": "TCP"}]
    ok, detail = findings(dist, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert not ok
    assert "StatefulSet prometheus-verify (monitoring" in detail and "on port 8080" in detail


def test_the_gateways_egress_policy_must_let_envoy_out_to_the_model(dist: list[Obj]) -> None:
    gateway_policy = _of(dist, "NetworkPolicy", "llm-stack-ai-gateway")
    gateway_policy["spec"]["egress"] = gateway_policy["spec"]["egress"][1:]  # the rule to the model pods gone
    ok, detail = findings(dist, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert not ok
    assert "egress of Deployment llm-stack-ai-gateway (kserve-inference) is limited by NetworkPolicy" in detail


def test_the_standalone_envoy_reaches_vllm_through_its_bootstrap_cluster() -> None:
    objects = synth_objects(with_changes(default_values_copy(), {"gateway.mode": "standalone"}))
    chain = findings(objects, "port chain")
    ((name, (ok, detail)),) = chain.items()
    assert name.startswith("ConfigMap ") and ok, detail
    assert "Envoy cluster model-llama-3-70b llama-3-70b-predictor.kserve-inference" in detail
    policy = findings(objects, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert policy[0], policy[1]


def test_prefix_aware_routing_goes_to_the_pods_and_admits_the_endpoint_picker() -> None:
    values = with_changes(default_values_copy(), {"routing.mode": "prefix-aware"})
    objects = synth_objects(values)
    chain = findings(objects, "port chain")
    ((name, (ok, detail)),) = chain.items()
    assert name.startswith("InferencePool ") and ok, detail
    assert "(vLLM --port 8080)" in detail
    ok, detail = findings(objects, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert ok, detail
    assert "Deployment llama-3-70b-epp (kserve-inference)" in detail  # it reads vLLM's metrics on the pool's port
    without = [o for o in objects if o["metadata"]["name"] != "llama-3-70b-from-epp"]
    assert len(without) == len(objects) - 1
    ok, detail = findings(without, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert not ok
    assert "none admits Deployment llama-3-70b-epp" in detail


@pytest.mark.parametrize(
    ("words", "port"),
    [
        ({"command": ["vllm", "serve"], "args": ["/mnt/models", "--port", "8080"]}, 8080),
        ({"args": ["--port=9000"]}, 9000),
        ({"command": ["sh", "-c", "exec vllm serve /mnt/models --port 7000"]}, 7000),
        ({"command": ["vllm", "serve"]}, 8000),
    ],
)
def test_vllms_port_is_read_from_its_arguments(words: Obj, port: int) -> None:
    assert vllm_port(words) == port


def _gateway_with(listener_status: str, overall_reason: str) -> tuple[Obj, Obj]:
    gateway = {"kind": "Gateway", "metadata": {"name": "gw", "namespace": "n"},
               "spec": {"listeners": [{"name": "http", "port": 8080}]}}  # fmt: skip
    live = copy.deepcopy(gateway) | {"status": {
        "conditions": [{"type": "Programmed", "status": "False", "reason": overall_reason, "message": "m"}],
        "listeners": [{"name": "http", "conditions": [
            {"type": "Programmed", "status": listener_status, "reason": "Programmed", "message": "sent"}]}],
    }}  # fmt: skip
    return gateway, live


def test_listeners_programmed_while_no_load_balancer_assigns_an_address() -> None:
    report = Report()
    gateway, live = _gateway_with("True", "AddressNotAssigned")
    check_listeners(Context(FakeClient([]), [], report), gateway, live)  # type: ignore[arg-type]
    ((finding),) = report.as_dict()["findings"]
    assert finding["ok"], finding
    assert "no load-balancer controller runs here" in finding["detail"]


def test_a_listener_not_programmed_fails_with_envoy_gateways_condition() -> None:
    report = Report()
    gateway, live = _gateway_with("False", "Invalid")
    check_listeners(Context(FakeClient([]), [], report), gateway, live)  # type: ignore[arg-type]
    ((finding),) = report.as_dict()["findings"]
    assert not finding["ok"]
    assert "listener http: Programmed=False (Programmed: sent)" in finding["detail"]


def test_the_prometheus_judged_is_the_one_the_scaled_object_queries(dist: list[Obj]) -> None:
    trigger = _of(dist, "ScaledObject")["spec"]["triggers"][0]
    trigger["metadata"]["serverAddress"] = "http://prometheus-operated.observability.svc:9090"
    ok, detail = findings(dist, "NetworkPolicy from")["InferenceService llama-3-70b"]
    assert not ok  # the policy still admits `monitoring`; the Prometheus KEDA asks runs in `observability`
    assert "none admits the Prometheus Pods of observability (observability, labels {}) on port 8080" in detail
