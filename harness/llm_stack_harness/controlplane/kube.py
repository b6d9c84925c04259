"""A small Kubernetes API client (standard library only): discovery, server-side apply, get and list.

Enough for :mod:`.verify` to talk to the local kube-apiserver with the admin client certificate; it does not try
to be a general client.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..base.errors import HarnessError

JsonDict = dict[str, Any]
FIELD_MANAGER = "llm-stack"
KUBECTL_FIELD_MANAGER = "kubectl-client-side-apply"
"""The field manager ``kubectl apply`` (client-side, its default) writes as."""
GET_ATTEMPTS = 2
"""Sends of one GET while the server gives no answer within the client's timeout."""
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class ApiError(HarnessError):
    """The API server answered with an error status; ``message`` is the server's own text."""

    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(f"{status} {reason}: {message}".strip())
        self.status = status
        self.message = message
        self.reason = reason


class ApiTimeout(HarnessError):
    """The API server gave no answer to one request within the client's timeout (the request may still land)."""

    def __init__(self, method: str, path: str, timeout_s: float) -> None:
        super().__init__(f"{method} {path}: no answer from the API server in {timeout_s:g} s")
        self.method = method
        self.path = path


class KubeClient:
    """Talks to ``server`` (``https://127.0.0.1:PORT``) with a client certificate, trusting only ``ca``."""

    def __init__(self, server: str, *, ca: Path, cert: Path, key: Path, timeout_s: float = 30.0) -> None:
        self.server = server.rstrip("/")
        self._context = ssl.create_default_context(cafile=str(ca))
        self._context.load_cert_chain(str(cert), str(key))
        self._timeout_s = timeout_s
        self._resources: dict[tuple[str, str], tuple[str, bool]] = {}

    # -- raw requests -------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json") -> Any:
        """One request; a GET the server did not answer in time is sent once more (reads are safe to repeat)."""
        for _ in range((GET_ATTEMPTS if method == "GET" else 1) - 1):
            try:
                return self._send(method, path, body, content_type)
            except ApiTimeout:
                pass
        return self._send(method, path, body, content_type)

    def _send(self, method: str, path: str, body: Any, content_type: str) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.server}{path}", data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self._context, timeout=self._timeout_s) as response:
                payload = response.read()
        except TimeoutError as error:  # a read timeout comes through as itself, not as a URLError
            raise ApiTimeout(method, path, self._timeout_s) from error
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                status = json.loads(raw)
                raise ApiError(error.code, str(status.get("message", raw[:500])), str(status.get("reason", "")))
            except json.JSONDecodeError:
                raise ApiError(error.code, raw[:500].decode(errors="replace")) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):  # a connect timeout
                raise ApiTimeout(method, path, self._timeout_s) from error
            raise
        return json.loads(payload) if payload else None

    def ready(self) -> bool:
        try:
            req = urllib.request.Request(f"{self.server}/readyz")
            with urllib.request.urlopen(req, context=self._context, timeout=5) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    # -- discovery ------------------------------------------------------------------------------------------------

    def refresh_discovery(self) -> None:
        self._resources.clear()
        versions = [("", "v1")]
        for group in self.request("GET", "/apis")["groups"]:
            versions += [(group["name"], v["version"]) for v in group["versions"]]
        for group, version in versions:
            api_version = f"{group}/{version}" if group else version
            path = f"/apis/{api_version}" if group else "/api/v1"
            try:
                resources = self.request("GET", path)["resources"]
            except ApiError:
                continue  # a group that is being removed or not yet served
            for resource in resources:
                if "/" in resource["name"]:
                    continue  # subresources
                self._resources[(api_version, resource["kind"])] = (resource["name"], bool(resource["namespaced"]))

    def resource(self, api_version: str, kind: str) -> tuple[str, bool]:
        """(plural, namespaced) of a kind; refreshes discovery once when unknown (CRDs just installed)."""
        key = (api_version, kind)
        if key not in self._resources:
            self.refresh_discovery()
        if key not in self._resources:
            raise ApiError(404, f"the server does not serve {kind} in {api_version} (is its CRD installed?)")
        return self._resources[key]

    def resources(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """(apiVersion, kind) -> (plural, namespaced) of every kind served."""
        if not self._resources:
            self.refresh_discovery()
        return dict(self._resources)

    def path(self, api_version: str, kind: str, namespace: str | None = None, name: str | None = None) -> str:
        plural, namespaced = self.resource(api_version, kind)
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        if namespaced and namespace:
            base += f"/namespaces/{urllib.parse.quote(namespace)}"
        base += f"/{plural}"
        return f"{base}/{urllib.parse.quote(name)}" if name else base

    def namespaced(self, api_version: str, kind: str) -> bool:
        return self.resource(api_version, kind)[1]

    # -- objects --------------------------------------------------------------------------------------------------

    def apply(self, obj: JsonDict, *, dry_run: bool = False) -> JsonDict:
        """Server-side apply ``obj`` as the ``llm-stack`` field manager (force: we own what we apply)."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") if self.namespaced(obj["apiVersion"], obj["kind"]) else None
        query = {"fieldManager": FIELD_MANAGER, "force": "true"}
        if dry_run:
            query["dryRun"] = "All"
        path = self.path(obj["apiVersion"], obj["kind"], namespace, meta["name"])
        result: JsonDict = self.request(
            "PATCH", f"{path}?{urllib.parse.urlencode(query)}", obj, content_type="application/apply-patch+yaml"
        )
        return result

    def create_as_kubectl(self, obj: JsonDict) -> JsonDict:
        """Create ``obj`` as ``kubectl apply`` does for an object the server does not have (client-side apply): the
        object with its ``kubectl.kubernetes.io/last-applied-configuration`` annotation, POSTed by the field manager
        ``kubectl-client-side-apply``; no server-side apply, no force."""
        metadata = obj["metadata"]
        namespace = metadata.get("namespace") if self.namespaced(obj["apiVersion"], obj["kind"]) else None
        annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k != LAST_APPLIED}
        last_applied = {**obj, "metadata": {**metadata, "annotations": annotations}}
        if not annotations:
            del last_applied["metadata"]["annotations"]
        body = {
            **obj,
            "metadata": {
                **metadata,
                "annotations": {
                    **annotations,
                    LAST_APPLIED: json.dumps(last_applied, separators=(",", ":"), sort_keys=True) + "\n",
                },
            },
        }
        query = urllib.parse.urlencode({"fieldManager": KUBECTL_FIELD_MANAGER})
        created: JsonDict = self.request(
            "POST", f"{self.path(obj['apiVersion'], obj['kind'], namespace)}?{query}", body
        )
        return created

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> JsonDict | None:
        try:
            result: JsonDict = self.request("GET", self.path(api_version, kind, namespace, name))
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return result

    def list(self, api_version: str, kind: str, namespace: str | None = None, **params: str) -> list[JsonDict]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        items: list[JsonDict] = self.request("GET", self.path(api_version, kind, namespace) + query)["items"]
        for item in items:  # list items carry no kind/apiVersion
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items

    def ensure_namespace(self, name: str) -> bool:
        """Create namespace ``name`` unless it exists; True when it was created."""
        if self.get("v1", "Namespace", name) is not None:
            return False
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        return True

    def wait_established(self, crd_names: Iterable[str], timeout_s: float = 120.0) -> None:
        pending = set(crd_names)
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                crd = self.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name)
                conditions = ((crd or {}).get("status") or {}).get("conditions") or []
                if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                    pending.discard(name)
            if pending:
                time.sleep(0.3)
        if pending:
            raise ApiError(504, f"CRDs not Established after {timeout_s:.0f} s: {', '.join(sorted(pending))}")
        self.refresh_discovery()
