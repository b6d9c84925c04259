"""The metrics side of the autoscaling loop on the control plane: the real Prometheus Operator, the real Prometheus
it configures, and KEDA's operator reaching that Prometheus at the ScaledObject's ``serverAddress`` as written.

- :class:`ClusterDns` gives one controller process (KEDA's operator) the ``/etc/hosts`` and ``/etc/resolv.conf`` its
  Pod would have in namespace ``keda``; the cluster names of the Services in front of Prometheus resolve there to
  the Prometheus Pod's address, every other name to nothing (no cluster DNS answers).
- :class:`SandboxMonitoring` starts the Prometheus Operator (built from its pinned Go module, its own CRDs installed
  from the binary), creates a ``Prometheus`` object (listed under "created by verify") in the namespace the
  ScaledObjects' ``serverAddress`` names, selecting every PodMonitor and PrometheusRule, and runs Prometheus (built
  from its Go module, :data:`llm_inference_stack.pins.PROMETHEUS_VERSION`) with the configuration the operator wrote
  into its Secret and the rule files it wrote into its ConfigMaps (reloaded when they change, as the config reloader
  does). Prometheus discovers the stack's Pods from the API server (kubernetes_sd, in-cluster), as in a cluster.
- The checks (:meth:`SandboxMonitoring.checks`): each ScaledObject's ``Ready`` and ``Active`` conditions as KEDA set
  them after its scaler queried that Prometheus (with KEDA's own error from its ``KEDAScalerFailed`` event), each
  PodMonitor's scrape pools and discovered targets, each PrometheusRule's groups as Prometheus loaded them
  (``/api/v1/rules``).
"""

from __future__ import annotations

import base64
import gzip
import http.client
import http.server
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from llm_inference_stack.facts import keda, prometheus_operator
from llm_inference_stack.network_policy import in_cluster_service
from llm_inference_stack.pins import PROMETHEUS_OPERATOR_VERSION

from ..base.errors import HarnessError
from ..base.substitutions import register
from .checks import Context, condition_text, conditions, dig, meta, selector_matches
from .kube import ApiError, JsonDict, KubeClient

if TYPE_CHECKING:
    from ..base.processes import ManagedProcess
    from .report import Report

PROMETHEUS_NAME = "verify"
"""Name of the ``Prometheus`` object verify creates (its StatefulSet is ``prometheus-verify``)."""
GOVERNING_SERVICE = "prometheus-operated"
"""The headless Service the Prometheus Operator creates in front of every Prometheus of a namespace."""
PROMETHEUS_WEB_PORT = 9090
"""The Prometheus container's ``web`` port, and ``prometheus-operated``'s."""
PROMETHEUS_POD_ADDRESS = "10.244.16.2"
"""The address of the Prometheus Pod here (on the sandbox's loopback; the Pods' stand-in uses 10.244.4.0/22)."""
PROMETHEUS_LOCAL_PORT = 19090
"""Where the Prometheus process listens (127.0.0.1), behind the relay on the Pod's address."""
OPERATOR_WEB_PORT = 18093
"""The operator's web server (metrics, /healthz): off its default 8080, which Envoy Gateway binds here."""
DEFAULT_NAMESPACE = "monitoring"
"""Where the ``Prometheus`` object goes when no ScaledObject names a Service in a namespace."""
CLUSTER_DOMAIN = "cluster.local"

SUBSTITUTIONS = register("monitoring", (
    (f"a Prometheus object {DEFAULT_NAMESPACE}/{PROMETHEUS_NAME} (or in the namespace the ScaledObject's "
     "serverAddress names) selecting every PodMonitor and PrometheusRule, created by verify; its StatefulSet's Pod is "
     "Prometheus (built from its Go module at the operator's default version) running the configuration the "
     "Prometheus Operator generated (its Secret, gunzipped, $(POD_NAME) and $(SHARD) expanded as the config reloader "
     "does; rule file paths moved from /etc/prometheus/rules to the run's directory)",
     "no statefulset controller, kubelet or container runtime runs the operator's StatefulSet here"),
    (f"KEDA's operator resolves cluster names through an /etc/hosts of its own: the headless Services that select the "
     f"Prometheus Pod resolve to {PROMETHEUS_POD_ADDRESS}, where a relay forwards to the Prometheus process; where "
     "a TriggerAuthentication holds a bearer token, the relay answers 401 to requests without that token, as an "
     "authenticating proxy in front of Prometheus does",
     "no cluster DNS or kube-proxy; Prometheus itself checks no bearer tokens"),
    ("Prometheus discovers Pods with the in-cluster static system:masters token",
     "no token for the Prometheus ServiceAccount without a kubelet; its RBAC is not exercised"),
    ("the Prometheus Operator runs with its web server on 127.0.0.1:18093 and no kubelet Endpoints controller",
     "Envoy Gateway binds its default port 8080 here"),
))  # fmt: skip


class MonitoringError(HarnessError):
    """The Prometheus Operator or Prometheus could not be started or configured."""


# ----------------------------------------------------------------------------------------------------------------
# Name resolution for one controller process


class ClusterDns:
    """``/etc/hosts`` and ``/etc/resolv.conf`` for a controller as the kubelet writes them for a Pod in
    ``namespace`` (ClusterFirst), with no cluster DNS behind them: nothing answers on the process' loopback port 53,
    so a name not in the hosts file fails at once. :meth:`update` rewrites the hosts file in place (Go's resolver
    reads it again when it changes)."""

    def __init__(self, directory: Path, namespace: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.hosts_file = directory / "hosts"
        self.resolv_conf = directory / "resolv.conf"
        self.names: dict[str, str] = {}
        self._write()
        self.resolv_conf.write_text(
            f"nameserver 127.0.0.1\nsearch {namespace}.svc.{CLUSTER_DOMAIN} svc.{CLUSTER_DOMAIN} {CLUSTER_DOMAIN}\n"
            "options ndots:5\n"
        )

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` in a mount namespace of its own with the two files bind-mounted over the machine's."""
        script = 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf || exit 125; shift 2; exec "$@"'
        return ["unshare", "--mount", "sh", "-c", script, "sh", str(self.hosts_file), str(self.resolv_conf), *argv]

    def update(self, names: Mapping[str, str]) -> None:
        if dict(names) != self.names:
            self.names = dict(names)
            self._write()

    def _write(self) -> None:
        text = "127.0.0.1 localhost\n" + "".join(f"{a} {n}\n" for n, a in sorted(self.names.items()))
        with self.hosts_file.open("r+" if self.hosts_file.exists() else "w") as handle:  # same inode: bind-mounted
            handle.seek(0)
            handle.write(text)
            handle.truncate()


def service_names(name: str, namespace: str) -> list[str]:
    """The names of a Service that resolve from a Pod in another namespace."""
    return [f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.{CLUSTER_DOMAIN}"]


# ----------------------------------------------------------------------------------------------------------------
# What the manifests ask of Prometheus


def prometheus_triggers(objects: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(ScaledObject, trigger) for every Prometheus trigger."""
    return [
        (obj, trigger)
        for obj in objects
        if obj.get("kind") == keda.SCALED_OBJECT
        for trigger in dig(obj, "spec", "triggers") or []
        if isinstance(trigger, Mapping) and trigger.get("type") == "prometheus"
    ]


def server_namespace(server_address: str) -> str | None:
    """The namespace a ``serverAddress`` names (``http://<service>.<namespace>[.svc[.cluster.local]]:<port>``)."""
    service = in_cluster_service(urllib.parse.urlsplit(server_address).hostname or "")
    return service[1] if service else None


def bearer_tokens(client: KubeClient, objects: Sequence[Mapping[str, Any]]) -> set[str]:
    """The bearer tokens a secured Prometheus accepts: each TriggerAuthentication's ``bearerToken`` Secret key (read
    from the API server: the manifests' Secret or verify's stand-in). A set with such a TriggerAuthentication says its
    Prometheus asks for that token, whether or not a trigger sends it (``authModes: bearer``)."""
    tokens: set[str] = set()
    for auth in objects:
        if auth.get("kind") != keda.TRIGGER_AUTHENTICATION:
            continue
        for target in dig(auth, "spec", "secretTargetRef") or []:
            if target.get("parameter") != "bearerToken":
                continue
            secret = client.get("v1", "Secret", target["name"], meta(auth).get("namespace")) or {}
            value = (secret.get("data") or {}).get(target["key"])
            if value:
                tokens.add(base64.b64decode(value).decode())
    return tokens


# ----------------------------------------------------------------------------------------------------------------
# The relay at the Prometheus Pod's address


class _Relay(http.server.ThreadingHTTPServer):
    daemon_threads = True
    tokens: set[str]
    backend: tuple[str, int]


class _RelayHandler(http.server.BaseHTTPRequestHandler):
    server: _Relay

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _relay(self) -> None:
        tokens = set(self.server.tokens)
        if tokens and self.headers.get("Authorization", "").removeprefix("Bearer ") not in tokens:
            body = b"Unauthorized\n"
            self.send_response(401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else None
        connection = http.client.HTTPConnection(*self.server.backend, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=payload, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        finally:
            connection.close()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _relay


# ----------------------------------------------------------------------------------------------------------------
# The operator and Prometheus


def _http_json(url: str, timeout_s: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return json.loads(response.read())


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def prometheus_version(binary: Path) -> str:
    """``v3.13.1`` for ``prometheus, version 3.13.1 ...``: the version the Prometheus object names, so the operator
    generates a configuration for the Prometheus that runs it."""
    output = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"version (\d+\.\d+\.\d+)", output.stdout + output.stderr)
    if not found:
        raise MonitoringError(f"{binary} --version did not say its version: {output.stdout + output.stderr!r}")
    return f"v{found.group(1)}"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.1's ``=`` (the value tag, as in the CRDs' enum of relabel actions) read as the string it is."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def add_loopback_address(address: str) -> None:
    """Give the sandbox's loopback ``address`` too (where a Pod or Service stands in here)."""
    result = subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], capture_output=True, text=True)
    if result.returncode != 0 and "File exists" not in result.stderr:
        raise MonitoringError(f"ip addr add {address}/32 dev lo: {result.stderr.strip()} (needs iproute2's ip)")


_ENV_REFERENCE = re.compile(r"\$\(([A-Z_][A-Z0-9_]*)\)")


class SandboxMonitoring:
    """Start with :meth:`start` once the control plane runs; :meth:`prepare` before each manifest set is applied;
    :meth:`checks` during the settle loop. Processes are the control plane's (stopped with it)."""

    def __init__(self, plane: Any, operator_binary: Path, prometheus_binary: Path) -> None:
        self.plane = plane
        self.operator_binary = operator_binary
        self.prometheus_binary = prometheus_binary
        self.work_dir: Path = plane.work_dir / "monitoring"
        self.namespace = DEFAULT_NAMESPACE
        self.prometheus: ManagedProcess | None = None
        self._config_text = ""
        self._rules: dict[str, str] = {}
        self._relay: _Relay | None = None
        self._set_objects: list[JsonDict] = []
        self.external_metrics = False
        """Whether KEDA's metrics adapter serves external.metrics.k8s.io (:mod:`.metrics_adapter`): then its check
        runs too."""
        self.version = ""

    @property
    def client(self) -> KubeClient:
        client: KubeClient = self.plane.client
        return client

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{PROMETHEUS_LOCAL_PORT}"

    # -- start ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        started = time.monotonic()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.version = prometheus_version(self.prometheus_binary)
        self._install_crds()
        process = self.plane._spawn(
            "prometheus-operator",
            [
                str(self.operator_binary), f"--web.listen-address=127.0.0.1:{OPERATOR_WEB_PORT}",
                "--log-level=info", f"--cluster-domain={CLUSTER_DOMAIN}",
            ],
        )  # fmt: skip
        self.plane._wait(process, lambda: _http_ok(f"http://127.0.0.1:{OPERATOR_WEB_PORT}/healthz"), "/healthz")
        add_loopback_address(PROMETHEUS_POD_ADDRESS)
        relay = _Relay((PROMETHEUS_POD_ADDRESS, PROMETHEUS_WEB_PORT), _RelayHandler)
        relay.tokens = set()
        relay.backend = ("127.0.0.1", PROMETHEUS_LOCAL_PORT)
        threading.Thread(target=relay.serve_forever, name="prometheus-relay", daemon=True).start()
        self._relay = relay
        self.plane.timings["prometheus-operator"] = time.monotonic() - started
        self.plane.log(f"prometheus-operator ready in {self.plane.timings['prometheus-operator']:.1f} s")

    def _install_crds(self) -> None:
        """The operator's own CRDs (``prometheus-operator full-crds``: those of its release) that the control plane
        does not have yet (PodMonitor and PrometheusRule come from the shared CRDs, the same release)."""
        output = subprocess.run([str(self.operator_binary), "full-crds"], capture_output=True, text=True, check=False)
        if output.returncode != 0:
            raise MonitoringError(f"prometheus-operator full-crds: exit {output.returncode}: {output.stderr[-2000:]}")
        crds = [d for d in yaml.load_all(output.stdout, Loader=_Loader) if isinstance(d, dict) and d.get("kind")]
        for crd in crds:
            try:
                self.client.request("POST", self.client.path(crd["apiVersion"], crd["kind"]), crd)
            except ApiError as error:
                if error.status != 409:
                    raise MonitoringError(f"installing CRD {crd['metadata']['name']}: {error.message}") from error
        self.client.wait_established({c["metadata"]["name"]: c for c in crds})
        self.client.refresh_discovery()

    def close(self) -> None:
        if self._relay is not None:
            self._relay.shutdown()
            self._relay.server_close()

    # -- per manifest set -------------------------------------------------------------------------------------

    def prepare(self, objects: Sequence[JsonDict], report: Report) -> None:
        """Before a set is applied: the Prometheus object in the namespace the ScaledObjects' ``serverAddress``
        names (created once, kept between sets), listed under "created by verify"."""
        kinds = {keda.SCALED_OBJECT, prometheus_operator.POD_MONITOR, prometheus_operator.PROMETHEUS_RULE}
        self._set_objects = list(objects)
        if not any(o.get("kind") in kinds for o in objects):
            return  # nothing of the set is Prometheus'
        namespaces = [server_namespace(str(dig(t, "metadata", "serverAddress") or "")) for _, t in
                      prometheus_triggers(objects)]  # fmt: skip
        wanted = next((n for n in namespaces if n), None)
        if self.prometheus is None and wanted:
            self.namespace = wanted  # one Prometheus per control plane: where the first set points
        if self.client.ensure_namespace(self.namespace):
            report.prerequisites.append(f"Namespace {self.namespace}")
        self.client.apply(self.prometheus_object())
        report.prerequisites.append(
            f"Prometheus {self.namespace}/{PROMETHEUS_NAME} (version {self.version}, selecting every PodMonitor and "
            "PrometheusRule): the Prometheus KEDA's triggers query, configured by the Prometheus Operator "
            f"{PROMETHEUS_OPERATOR_VERSION}"
        )

    def prometheus_object(self) -> JsonDict:
        everything: JsonDict = {}
        return {
            "apiVersion": prometheus_operator.API_VERSION,
            "kind": "Prometheus",
            "metadata": {"name": PROMETHEUS_NAME, "namespace": self.namespace},
            "spec": {
                "version": self.version,
                "replicas": 1,
                "podMonitorSelector": everything,
                "podMonitorNamespaceSelector": everything,
                "ruleSelector": everything,
                "ruleNamespaceSelector": everything,
                "serviceMonitorSelector": everything,
                "serviceMonitorNamespaceSelector": everything,
            },
        }

    def sync(self) -> None:
        """What the config reloader and the cluster do: run Prometheus on the configuration and rule files the
        operator last wrote (reloading on a change), and resolve the Services in front of it for KEDA."""
        if self._relay is not None:
            self._relay.tokens = bearer_tokens(self.client, self._set_objects)
        secret = self.client.get("v1", "Secret", f"prometheus-{PROMETHEUS_NAME}", self.namespace)
        compressed = (secret or {}).get("data", {}).get("prometheus.yaml.gz")
        if compressed:
            self._write_config(gzip.decompress(base64.b64decode(compressed)).decode())
        self._update_dns()

    def _write_config(self, generated: str) -> None:
        rules_dir = self.work_dir / "rules"
        rules: dict[str, str] = {}
        for config_map in self.client.list("v1", "ConfigMap", self.namespace):
            name = str(meta(config_map).get("name"))
            if name.startswith(f"prometheus-{PROMETHEUS_NAME}-rulefiles-"):
                for key, text in (config_map.get("data") or {}).items():
                    rules[f"{name}/{key}"] = text
        pod = f"prometheus-{PROMETHEUS_NAME}-0"
        env = {"POD_NAME": pod, "SHARD": "0"}
        config = _ENV_REFERENCE.sub(lambda m: env.get(m.group(1), m.group(0)), generated)
        config = config.replace("/etc/prometheus/rules/", f"{rules_dir}/")
        if config == self._config_text and rules == self._rules:
            return
        shutil.rmtree(rules_dir, ignore_errors=True)
        for relative, text in rules.items():
            (rules_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (rules_dir / relative).write_text(text)
        config_file = self.work_dir / "prometheus.yaml"
        config_file.write_text(config)
        (self.work_dir / "prometheus.generated.yaml").write_text(generated)
        self._config_text, self._rules = config, rules
        if self.prometheus is None:
            self._start_prometheus(config_file)
        else:
            request = urllib.request.Request(f"{self.url}/-/reload", method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30):
                    pass
            except OSError as error:
                raise MonitoringError(
                    f"Prometheus refused the reloaded configuration ({error}); {self.prometheus.log_path}:\n"
                    f"{self.prometheus.log_tail(20)}"
                ) from error

    def _start_prometheus(self, config_file: Path) -> None:
        # Prometheus' kubernetes_sd uses the in-cluster configuration (the operator writes no api_server).
        token = self.plane.service_account_dir / "token"
        env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"}
        if not token.exists():
            env = self.plane._install_in_cluster_config(self.namespace)
        self.prometheus = self.plane._spawn(
            "prometheus",
            [
                str(self.prometheus_binary), f"--config.file={config_file}",
                f"--storage.tsdb.path={self.work_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{PROMETHEUS_LOCAL_PORT}", "--web.enable-lifecycle",
            ],
            env,
        )  # fmt: skip
        self.plane._wait(self.prometheus, lambda: _http_ok(f"{self.url}/-/ready"), "/-/ready", timeout_s=60.0)

    def _update_dns(self) -> None:
        """Every headless Service of the Prometheus' namespace that selects its Pod resolves to the Pod's address."""
        dns: ClusterDns | None = getattr(self.plane, "keda_dns", None)
        if dns is None:
            return
        statefulset = self.client.get("apps/v1", "StatefulSet", f"prometheus-{PROMETHEUS_NAME}", self.namespace)
        labels = dig(statefulset, "spec", "template", "metadata", "labels") or {}
        names: dict[str, str] = {}
        if labels and self.prometheus is not None:
            for service in self.client.list("v1", "Service", self.namespace):
                selector = dig(service, "spec", "selector")
                headless = dig(service, "spec", "clusterIP") == "None"
                if headless and selector and selector_matches({"matchLabels": selector}, labels):
                    for name in service_names(str(meta(service)["name"]), self.namespace):
                        names[name] = PROMETHEUS_POD_ADDRESS
        dns.update(names)

    # -- checks -----------------------------------------------------------------------------------------------

    def checks(self) -> tuple[Callable[[Context], None], ...]:
        from .metrics_adapter import check_external_metrics

        own = (self._check_scaled_objects, self._check_pod_monitors, self._check_rules)
        return (*own, check_external_metrics) if self.external_metrics else own

    def _check_scaled_objects(self, ctx: Context) -> None:
        self.sync()
        for scaled in ctx.of_kind(keda.SCALED_OBJECT):
            namespace = meta(scaled).get("namespace")
            live = ctx.get(keda.API_VERSION, keda.SCALED_OBJECT, meta(scaled)["name"], namespace)
            by_type = conditions(live)
            ready, active = by_type.get("Ready"), by_type.get("Active")
            shown = "; ".join(condition_text(by_type.get(t)) for t in ("Ready", "Active", "HPAActive") if t in by_type)
            ok = bool(ready and ready.get("status") == "True")
            if ok and (not active or active.get("status") not in ("True", "False")):
                ctx.report.add(scaled, "KEDA scaler", False, f"KEDA's scaler has not run yet: {shown}")
                continue
            detail = shown
            if not ok and live is not None:
                error = _newest_event(ctx, live, "KEDAScalerFailed")
                if error:
                    detail += f"; KEDAScalerFailed: {error}"
            ctx.report.add(scaled, "KEDA scaler", ok, detail)

    def _targets(self) -> list[Mapping[str, Any]]:
        if self.prometheus is None:
            return []
        try:
            data = _http_json(f"{self.url}/api/v1/targets?state=active")
        except (OSError, ValueError):
            return []
        return list(dig(data, "data", "activeTargets") or [])

    def _check_pod_monitors(self, ctx: Context) -> None:
        monitors = ctx.of_kind(prometheus_operator.POD_MONITOR)
        if not monitors:
            return
        targets = self._targets()
        for monitor in monitors:
            namespace, name = meta(monitor).get("namespace"), meta(monitor).get("name")
            pools = [f"podMonitor/{namespace}/{name}/{i}" for i in range(len(dig(monitor, "spec",
                     "podMetricsEndpoints") or []))]  # fmt: skip
            missing = [p for p in pools if f"job_name: {p}\n" not in self._config_text]
            if self.prometheus is None or missing:  # the operator did not select it (or has not yet)
                ctx.report.add(
                    monitor,
                    "selected by Prometheus",
                    False,
                    f"the Prometheus Operator wrote no scrape job {', '.join(missing or pools)} for Prometheus "
                    f"{self.namespace}/{PROMETHEUS_NAME}" + ("" if self.prometheus else " (no configuration yet)"),
                )
                continue
            found = [t for t in targets if t.get("scrapePool") in pools]
            loaded = self._scrape_pools()
            running = [
                p
                for p in ctx.list("v1", "Pod", namespace)
                if dig(p, "status", "phase") == "Running"
                and dig(p, "status", "podIP")
                and selector_matches(dig(monitor, "spec", "selector"), meta(p).get("labels") or {})
            ]
            jobs = f"the Prometheus Operator {PROMETHEUS_OPERATOR_VERSION} wrote scrape job(s) {', '.join(pools)}"
            if not set(pools) <= loaded:
                ok, detail = False, f"{jobs}, but Prometheus has not loaded them yet"
            elif running and not found:
                ok, detail = False, f"{jobs}; Prometheus discovered none of its {len(running)} Running Pod(s)"
            elif not found:
                ok, detail = True, f"{jobs}; Prometheus runs them (no Running Pod to discover)"
            else:
                shown = [
                    f"Pod {dig(t, 'discoveredLabels', '__meta_kubernetes_pod_name')} at {t.get('scrapeUrl')} "
                    f"(health {t.get('health')}" + (f": {t['lastError']}" if t.get("lastError") else "") + ")"
                    for t in found[:3]
                ]
                ok, detail = True, f"{jobs}; Prometheus discovered {len(found)} target(s): {'; '.join(shown)}"
            ctx.report.add(monitor, "selected by Prometheus", ok, detail)

    def _scrape_pools(self) -> set[str]:
        try:
            return set(dig(_http_json(f"{self.url}/api/v1/scrape_pools"), "data", "scrapePools") or [])
        except (OSError, ValueError):
            return set()

    def _check_rules(self, ctx: Context) -> None:
        rules = ctx.of_kind(prometheus_operator.PROMETHEUS_RULE)
        if not rules:
            return
        loaded: list[Mapping[str, Any]] = []
        if self.prometheus is not None:
            try:
                loaded = list(dig(_http_json(f"{self.url}/api/v1/rules"), "data", "groups") or [])
            except (OSError, ValueError):
                loaded = []
        for rule in rules:
            namespace, name = meta(rule).get("namespace"), meta(rule).get("name")
            prefix = f"{namespace}-{name}-"
            groups = {str(g.get("name")): g for g in loaded if Path(str(g.get("file", ""))).name.startswith(prefix)}
            problems = []
            for wanted in dig(rule, "spec", "groups") or []:
                got = groups.get(str(wanted.get("name")))
                if got is None:
                    problems.append(f"group {wanted.get('name')} not loaded")
                elif len(got.get("rules") or []) != len(wanted.get("rules") or []):
                    problems.append(
                        f"group {wanted.get('name')}: {len(got.get('rules') or [])} rules loaded, "
                        f"{len(wanted.get('rules') or [])} written"
                    )
            count = sum(len(g.get("rules") or []) for g in groups.values())
            ctx.report.add(
                rule,
                "loaded by Prometheus",
                not problems,
                "; ".join(problems)
                or f"Prometheus loaded {len(groups)} group(s), {count} rule(s) from the rule file the Prometheus "
                f"Operator wrote ({', '.join(sorted(groups))})",
            )


def _newest_event(ctx: Context, obj: Mapping[str, Any], reason: str) -> str | None:
    try:
        selector = f"involvedObject.uid={meta(obj).get('uid')},reason={reason}"
        events = ctx.client.list("v1", "Event", meta(obj).get("namespace"), fieldSelector=selector)
    except ApiError:
        return None
    if not events:
        return None
    newest = max(events, key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    return str(newest.get("message") or newest.get("note") or "")


__all__ = ["SUBSTITUTIONS", "ClusterDns", "MonitoringError", "SandboxMonitoring", "server_namespace"]
