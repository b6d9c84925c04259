"""KEDA's metrics adapter (``cmd/adapter`` of the KEDA module the operator is built from) behind the APIService
``v1beta1.external.metrics.k8s.io``, so the horizontal-pod-autoscaling controller reads each ScaledObject's external
metric through kube-apiserver's aggregation layer, as in a cluster: kube-apiserver -> the adapter -> the KEDA
operator's gRPC metrics service -> the scaler -> Prometheus.

kube-apiserver runs with the aggregation layer's flags (``--requestheader-*``, ``--proxy-client-*``,
``--enable-aggregator-routing``: :func:`aggregation_flags`); the APIService names the chart's Service
``keda-operator-metrics-apiserver`` in ``keda``, whose endpoint (no Pod: an EndpointSlice verify writes) is where the
adapter listens here. The check reads the metric's current value through the API server
(``/apis/external.metrics.k8s.io/v1beta1/namespaces/<ns>/<metric>?labelSelector=scaledobject.keda.sh/name=<name>``)
and the HPA's own ``currentMetrics``.
"""

from __future__ import annotations

import base64
import socket
import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from llm_inference_stack.facts import keda

from ..base.substitutions import register
from .checks import Context, conditions, dig, meta
from .kube import ApiError, JsonDict

ADAPTER_ADDRESS = "10.244.16.3"
"""Where the adapter listens here (on the sandbox's loopback): the endpoint of its Service."""
ADAPTER_PORT = 6445
ADAPTER_METRICS_PORT = 18094
"""The adapter's own metrics server (``--port``), off its default 8080 (Envoy Gateway's here)."""
SERVICE_NAME = "keda-operator-metrics-apiserver"
"""The Service KEDA's chart puts in front of the adapter (the APIService's ``service``)."""
FRONT_PROXY_CLIENT = "front-proxy-client"
OPERATOR_GRPC = "127.0.0.1:9666"
"""The KEDA operator's metrics service (``--metrics-service-bind-address``)."""

SUBSTITUTIONS = register("metrics adapter", (
    (f"KEDA's metrics adapter runs as a process at {ADAPTER_ADDRESS}:{ADAPTER_PORT}; the Service {SERVICE_NAME} the "
     "APIService names has an EndpointSlice verify writes for that address (no selector), and kube-apiserver routes "
     "to the endpoint (--enable-aggregator-routing)",
     "no Pod or kube-proxy for the adapter's Deployment"),
    ("kube-apiserver's front-proxy client certificate and the adapter's serving certificate come from the run's one "
     "CA (no separate front-proxy CA)",
     "cert-manager / kubeadm's front-proxy CA do not exist here"),
))  # fmt: skip


def aggregation_flags(client_cert: Path, client_key: Path, ca: Path) -> list[str]:
    """kube-apiserver's aggregation-layer flags, as kubeadm sets them (one CA here)."""
    return [
        f"--requestheader-client-ca-file={ca}",
        f"--requestheader-allowed-names={FRONT_PROXY_CLIENT}",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        f"--proxy-client-cert-file={client_cert}",
        f"--proxy-client-key-file={client_key}",
        "--enable-aggregator-routing=true",
    ]


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def start_adapter(plane: Any, binary: Path, add_address: Callable[[str], None]) -> None:
    """Start the adapter, register its Service, EndpointSlice and APIService, and wait until the APIService is
    ``Available`` (kube-apiserver reached the adapter)."""
    started = time.monotonic()
    add_address(ADAPTER_ADDRESS)
    certs: Path = plane._tls_dir("keda-adapter")
    pki = plane.pki
    namespace = keda.NAMESPACE
    process = plane._spawn(
        "keda-adapter",
        [
            str(binary), f"--secure-port={ADAPTER_PORT}", f"--bind-address={ADAPTER_ADDRESS}",
            f"--cert-dir={certs}", f"--tls-cert-file={certs / 'tls.crt'}",
            f"--tls-private-key-file={certs / 'tls.key'}",
            f"--client-ca-file={pki.ca_cert}", f"--requestheader-client-ca-file={pki.ca_cert}",
            f"--authentication-kubeconfig={plane.kubeconfig}", f"--authorization-kubeconfig={plane.kubeconfig}",
            f"--kubeconfig={plane.kubeconfig}", f"--lister-kubeconfig={plane.kubeconfig}",
            f"--metrics-service-address={OPERATOR_GRPC}", f"--port={ADAPTER_METRICS_PORT}",
            "--disable-compression=true", "--zap-log-level=info",
        ],
        {"WATCH_NAMESPACE": "", "POD_NAMESPACE": namespace, "KEDA_CLUSTER_OBJECT_NAMESPACE": namespace},
    )  # fmt: skip
    plane._wait(process, lambda: _port_open(ADAPTER_ADDRESS, ADAPTER_PORT), f"its secure port {ADAPTER_PORT}")
    client = plane.client
    labels = {"app.kubernetes.io/name": SERVICE_NAME}
    client.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": SERVICE_NAME, "namespace": namespace, "labels": labels},
            "spec": {"ports": [{"name": "https", "port": 443, "targetPort": ADAPTER_PORT, "protocol": "TCP"}]},
        }
    )
    client.apply(
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": f"{SERVICE_NAME}-verify",
                "namespace": namespace,
                "labels": {"kubernetes.io/service-name": SERVICE_NAME},
            },
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ADAPTER_ADDRESS], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": ADAPTER_PORT, "protocol": "TCP"}],
        }
    )
    client.apply(
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": "v1beta1.external.metrics.k8s.io"},
            "spec": {
                "group": "external.metrics.k8s.io",
                "version": "v1beta1",
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
                "service": {"name": SERVICE_NAME, "namespace": namespace, "port": 443},
                "caBundle": base64.b64encode(pki.ca_cert.read_bytes()).decode(),
            },
        }
    )

    def available() -> bool:
        service = client.get("apiregistration.k8s.io/v1", "APIService", "v1beta1.external.metrics.k8s.io")
        return bool((conditions(service).get("Available") or {}).get("status") == "True")

    plane._wait(process, available, "APIService v1beta1.external.metrics.k8s.io Available", timeout_s=90.0)
    plane.timings["keda-adapter"] = time.monotonic() - started
    plane.log(f"keda-adapter ready in {plane.timings['keda-adapter']:.1f} s")


def check_external_metrics(ctx: Context) -> None:
    """Each ScaledObject's external metric as the API server serves it (through the adapter), and as the HPA
    controller last read it."""
    for scaled in ctx.of_kind(keda.SCALED_OBJECT):
        namespace, name = meta(scaled).get("namespace"), str(meta(scaled)["name"])
        spec = scaled.get("spec") or {}
        hpa_name = keda.hpa_name(name, dig(spec, "advanced", "horizontalPodAutoscalerConfig", "name"))
        hpa = ctx.get("autoscaling/v2", "HorizontalPodAutoscaler", hpa_name, namespace)
        metrics = [m for m in dig(hpa, "spec", "metrics") or [] if m.get("type") == "External"]
        if not metrics:
            continue  # the KEDA HPA check says why
        metric = str(dig(metrics[0], "external", "metric", "name"))
        selector = urllib.parse.quote(f"scaledobject.keda.sh/name={name}")
        path = f"/apis/external.metrics.k8s.io/v1beta1/namespaces/{namespace}/{metric}?labelSelector={selector}"
        try:
            answer: JsonDict = ctx.client.request("GET", path)
        except ApiError as error:
            ctx.report.add(scaled, "external metric", False, f"GET {path}: {error.message}")
            continue
        values = [f"{item.get('metricName')}={item.get('value')}" for item in answer.get("items") or []]
        current = [
            dig(m, "external", "current", "averageValue") or dig(m, "external", "current", "value")
            for m in dig(hpa, "status", "currentMetrics") or []
            if m.get("type") == "External"
        ]
        active = conditions(hpa).get("ScalingActive") or {}
        read = current and active.get("status") == "True"
        detail = f"the API server serves {', '.join(values) or 'no value'} (through KEDA's metrics adapter)"
        detail += (
            f"; the HPA controller read {current[0]} (ScalingActive: {active.get('reason')})"
            if read
            else f"; the HPA controller has not read it yet (ScalingActive: {_text(active)})"
        )
        ctx.report.add(scaled, "external metric", bool(values) and bool(read), detail)


def _text(condition: Mapping[str, Any]) -> str:
    return f"{condition.get('status')} {condition.get('reason')}: {condition.get('message')}" if condition else "none"


__all__ = ["SUBSTITUTIONS", "aggregation_flags", "check_external_metrics", "start_adapter"]
