"""Single-field checks shared by the settings classes.

Each raises ``SettingsError`` naming the Python field, the value and the fix; the values loader respells the
field path as the values file does.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import Fix, Namer, SettingsError, python_name
from ..facts import ai_gateway, envoy_gateway, keda, kserve
from ..images import IMAGE_REFERENCE, image_is_pinned
from ..names import DNS1035_LABEL, DNS1123_LABEL, is_label_value, is_qualified_name
from ..pins import VLLM_IMAGE
from ..quantity import QUANTITY_EXAMPLE, is_quantity

_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def require(ok: bool, name: str, value: Any, fix: Fix) -> None:
    """Raise ``SettingsError(name, value, fix)`` unless ``ok``."""
    if not ok:
        raise SettingsError(name, value, fix)


def check_dns1035_label(name: str, value: str, max_len: int, why: str) -> None:
    require(
        bool(DNS1035_LABEL.fullmatch(value)) and len(value) <= max_len,
        name,
        value,
        f"use a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter "
        f"or digit, at most {max_len} characters ({why})",
    )


def check_dns_label(name: str, value: str, max_len: int = 63) -> None:
    require(
        bool(DNS1123_LABEL.fullmatch(value)) and len(value) <= max_len,
        name,
        value,
        f"use a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, "
        f"at most {max_len} characters",
    )


def check_quantity(name: str, value: str) -> None:
    require(is_quantity(value), name, value, QUANTITY_EXAMPLE)


def host_problem(host: str, example: str = "http://prometheus-operated.monitoring.svc:9090") -> str | None:
    """Why ``host`` (of a URL, IPv6 literals in brackets) is neither a DNS hostname nor an IP literal, or None.

    A hostname is dot-separated labels of letters, digits and '-' (1 to 63 each, no '-' at either end, no empty
    label, 253 characters at most): what Go's and Python's resolvers and Envoy's clusters take alike. Underscores,
    spaces and empty labels resolve differently or not at all between them.
    """
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return "use a valid IPv6 address inside the brackets, e.g. http://[2001:db8::1]:9090"
        return None
    try:
        ipaddress.IPv4Address(host)
        return None
    except ValueError:
        pass
    labels = host.split(".")
    if (
        not host
        or len(host) > 253
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # 10.0.0.300: neither an address nor a name
    ):
        return (
            "use a host that is a DNS name (letters, digits and '-' in dot-separated labels, no '_', spaces or empty "
            f"labels) or an IP address, e.g. {example}"
        )
    return None


def check_url(name: str, value: str, *, appends: str, credentials: Fix) -> None:
    """An ``http://``/``https://`` base URL that a consumer extends with ``appends`` (a path such as
    ``/api/v1/query``): no query string or fragment (the path would land inside them), no credentials (they would be
    written in plain text; ``credentials`` says where they go instead), a hostname or IP literal and a valid port."""
    require(
        isinstance(value, str) and bool(re.fullmatch(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", value)),
        name,
        value,
        "use an http:// or https:// URL without spaces, e.g. http://host.namespace.svc:9090",
    )
    netloc = value.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    require(
        "@" not in netloc,
        name,
        value,
        lambda n: (
            "remove the user name and password from the URL: they would be written in plain text into the manifests; "
            + (credentials if isinstance(credentials, str) else credentials(n))
        ),
    )
    require(
        "?" not in value and "#" not in value,
        name,
        value,
        f"remove the query string and fragment: {appends} is appended to this URL, and would land inside them",
    )
    host = netloc
    port: str | None = None
    match = re.fullmatch(r"(?P<host>\[[^\]]*\]|[^:\[\]]*)(?::(?P<port>[^:]*))?", host)
    if match is not None:
        host, port = match.group("host"), match.group("port")
    problem = host_problem(host) if match is not None else host_problem("")
    if problem is not None:
        raise SettingsError(name, value, problem)
    require(
        port is None or (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535),
        name,
        value,
        "use a port from 1 to 65535 in the URL",
    )


def check_label_map(name: str, values: Mapping[str, str], *, label_values: bool) -> None:
    """Keys must be qualified names (labels and annotations); label values must be valid label values."""
    for key, value in values.items():
        require(
            is_qualified_name(key),
            name,
            key,
            "use a qualified name as the key: an optional DNS-1123 prefix and '/', then at most 63 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. 'nvidia.com/gpu.product')",
        )
        if label_values and not is_label_value(value):
            raise SettingsError(
                name,
                value,
                "use a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending "
                "with a letter or digit",
                key=key,
            )


def check_image(name: str, value: str) -> None:
    require(bool(IMAGE_REFERENCE.fullmatch(value)), name, value, f"use an image reference such as {VLLM_IMAGE!r}")
    require(
        image_is_pinned(value),
        name,
        value,
        f"pin the image with an explicit version tag or digest (never 'latest' or untagged), e.g. {VLLM_IMAGE!r}",
    )


def check_cidr(value: str) -> str | None:
    """Why ``value`` is not a CIDR as the gateway Service takes it, or None.

    A network in CIDR notation (``203.0.113.0/24``, ``2001:db8::/32``) with no host bits set: the API server
    accepts host bits in ``loadBalancerSourceRanges`` for historical reasons, but cloud load balancers read
    ``10.0.0.5/8`` differently (some refuse it, some widen it silently).
    """
    if not isinstance(value, str) or "/" not in value or value.strip() != value:
        return "use a network in CIDR notation, e.g. '203.0.113.0/24' or '2001:db8::/32'"
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return "use a network in CIDR notation, e.g. '203.0.113.0/24' or '2001:db8::/32'"
    if str(network) != value:
        return f"use the network address {network} (no host bits, no leading zeros)"
    return None


CONTROLLER_NAMESPACES: Mapping[str, str] = {
    "default": "Kubernetes' default namespace",
    kserve.NAMESPACE: "KServe's controller namespace",
    keda.NAMESPACE: "KEDA's controller namespace",
    envoy_gateway.NAMESPACE: "Envoy Gateway's controller namespace",
    ai_gateway.NAMESPACE: "Envoy AI Gateway's controller namespace",
    "external-secrets": "External Secrets Operator's namespace",
    "cert-manager": "cert-manager's namespace",
    "istio-system": "Istio's namespace (KServe's Serverless mode and many meshes)",
    "knative-serving": "Knative Serving's namespace (KServe's Serverless mode)",
    "gpu-operator": "the NVIDIA GPU Operator's namespace",
}
"""Namespaces shared with the cluster or the controllers the stack drives (their charts' default namespaces),
never the stack's own: ``namespace.create`` may not emit them. Every ``kube-*`` namespace is Kubernetes' own too."""


def shared_namespace_reason(namespace: str, shared: Mapping[str, str]) -> str | None:
    """Why ``namespace`` belongs to the cluster or another component (``shared`` adds the configured ones:
    Prometheus', Phoenix's, the gateway's), or None when the stack may own it."""
    if namespace.startswith("kube-"):
        return "a Kubernetes system namespace"
    return shared.get(namespace) or CONTROLLER_NAMESPACES.get(namespace)


def service_namespace(url: str) -> str | None:
    """The namespace of an in-cluster Service URL (``http://svc.ns.svc.cluster.local:6006`` -> ``ns``), else None."""
    labels = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].split(".")
    if len(labels) >= 3 and labels[2] == "svc" and (len(labels) == 3 or labels[3:] == ["cluster", "local"]):
        return labels[1]
    return None


def _create_key(n: Namer) -> str:
    return "create_namespace" if n is python_name else "namespace.create"


def _created_namespace_fix(namespace: str, reason: str) -> Fix:
    return lambda n: (
        f"{_create_key(n)} would emit Namespace {namespace!r} labelled as the stack's own, but it is {reason}: "
        "deleting or pruning the stack's objects would delete it and everything in it. Use a namespace only the "
        f"stack uses, or set {_create_key(n)}: false and create the namespace yourself"
    )


def check_created_namespaces(fields: Sequence[tuple[str, str]], shared: Mapping[str, str]) -> None:
    """``namespace.create`` emits a Namespace labelled as the stack's for each ``(field, namespace)``: refuse the
    ones the cluster or another component owns (pruning by the stack's labels, or deleting the stack, would
    delete them with everything in them)."""
    for name, namespace in fields:
        reason = shared_namespace_reason(namespace, shared)
        if reason is not None:
            raise SettingsError(name, namespace, _created_namespace_fix(namespace, reason))


def storage_uri_problem(uri: str) -> Fix | None:
    """What is wrong with a model's ``storageUri`` beyond its scheme, or None.

    KServe copies the URI verbatim into the storage initializer's ``args``, where the kubelet expands ``$(VAR)``
    and turns ``$$`` into ``$`` (the stack does not write that container, so it cannot escape it: the
    InferenceService's ``storageUri`` is also what KServe parses for the scheme and the PVC).
    """
    if any(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in uri):
        return (
            "remove the whitespace and invisible characters: the storage initializer takes the URI as written, "
            "spaces and newlines included"
        )
    if "$(" in uri or "$$" in uri:
        return (
            "remove '$(' and '$$': KServe copies storageUri into the storage initializer's args, where the kubelet "
            "expands $(VAR) to another variable's value and $$ to $"
        )
    scheme, _, rest = uri.partition("://")
    if scheme == "pvc":
        return None
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0] if scheme == "https" else rest.split("/", 1)[0]
    if "@" in netloc:
        return lambda n: (
            "remove the user name and password from the URI: they would be written in plain text into the "
            f"InferenceService; grant access through {n('service_account_name')} (or a Secret-backed env variable)"
        )
    if not netloc:
        return f"name the bucket (or host, or organisation) after '{scheme}://', e.g. {scheme}://my-bucket/llama-3-70b/"
    if scheme in ("https", "oci"):
        # A web server or an OCI registry: a host, optionally with a port.
        host = re.sub(r":\d*$", "", netloc) if not netloc.endswith("]") else netloc
        return host_problem(host, f"{scheme}://models.example.com/llama-3-70b/")
    return None


CONTROLLER_KEY_DOMAINS: Mapping[str, str] = {
    "keda.sh": "KEDA (e.g. autoscaling.keda.sh/paused-replicas stops the autoscaler)",
    "kserve.io": (
        "KServe (e.g. serving.kserve.io/stop stops the model, internal.serving.kserve.io/logger-sink-url sends every "
        "request out)"
    ),
    "envoyproxy.io": "Envoy Gateway and the AI Gateway (gateway.envoyproxy.io/*, aigateway.envoyproxy.io/*)",
    "pod-security.kubernetes.io": (
        "Kubernetes' Pod Security admission (on the Namespaces namespace.create emits, 'enforce: privileged' would "
        "lift the namespace's pod restrictions)"
    ),
    "kubectl.kubernetes.io": "kubectl (last-applied-configuration is what kubectl apply and --prune compare with)",
}
"""Label and annotation key prefixes (DNS domains and their subdomains) that switch behaviour of the controllers
the stack drives, or of Kubernetes on the objects the stack emits: user labels and annotations may not carry them.
``app.kubernetes.io/*`` (the recommended labels) and cloud load-balancer annotations stay allowed."""


def controller_key_owner(key: str) -> str | None:
    """The controller whose switch the label or annotation key ``key`` is (by its prefix), or None."""
    prefix, slash, _ = key.partition("/")
    if not slash:
        return None
    domain = prefix.lower()
    for owner_domain, owner in CONTROLLER_KEY_DOMAINS.items():
        if domain == owner_domain or domain.endswith("." + owner_domain):
            return owner
    return None


def check_controller_keys(name: str, values: Mapping[str, str]) -> None:
    """No key of ``values`` (labels or annotations the user adds to objects) is a controller's switch."""
    for key, value in values.items():
        owner = controller_key_owner(key)
        if owner is not None:
            raise SettingsError(
                name,
                value,
                f"keys under this prefix are read by {owner}; the stack sets the ones it needs itself: use a key "
                "of your own domain (e.g. example.com/team)",
                key=key,
            )


HOP_BY_HOP_AND_ROUTING_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "transfer-encoding",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "cookie",
        "forwarded",
        "via",
        "x-request-id",
        "x-real-ip",
        "traceparent",
        "tracestate",
        "baggage",
    }
)
"""Request headers that already mean something to HTTP, Envoy or the model server."""
RESERVED_HEADER_PREFIXES = ("content-", "x-forwarded-", "x-envoy-", "x-ai-eg-", "grpc-", "x-b3-")
"""Header prefixes owned by HTTP (``content-*``), proxies (``x-forwarded-*``), Envoy (``x-envoy-*``), the AI Gateway
(``x-ai-eg-*``, e.g. ``x-ai-eg-model``, which routes the request), gRPC and B3 tracing."""


def client_id_header_problem(header: str) -> str | None:
    """Why ``header`` cannot carry the authenticated client id, or None. The gateway overwrites the header with
    the client id, so a header that means something else would be clobbered or trusted wrongly."""
    if header.startswith(":"):
        return "use a regular header name: pseudo-headers (':authority', ':path', ...) belong to HTTP/2 itself"
    if not re.fullmatch(r"^[a-z0-9][a-z0-9-]*$", header):
        return "use a lowercase header name such as 'x-client-id'"
    if header in HOP_BY_HOP_AND_ROUTING_HEADERS or header.startswith(RESERVED_HEADER_PREFIXES):
        return (
            "use a header of your own such as 'x-client-id': this one already means something to HTTP, Envoy or the "
            "AI Gateway (authorization, content-*, host, connection, x-forwarded-*, x-envoy-*, x-ai-eg-*, tracing "
            "headers), and the gateway overwrites it with the client id"
        )
    return None


GO_DURATION_MAX_NS = (1 << 63) - 1
"""Go's ``time.Duration`` is an int64 of nanoseconds: about 2562047h47m16s at most."""
_GO_DURATION_PART = re.compile(r"(\d+)(ns|us|µs|ms|s|m|h)")
_GO_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def go_duration_problem(value: str) -> str | None:
    """Why ``value`` is not a Go duration (``1h``, ``15m``, ``1h30m``) that ``time.ParseDuration`` accepts, or None."""
    if not isinstance(value, str) or not re.fullmatch(r"(?:\d+(?:ns|us|µs|ms|s|m|h))+", value):
        return "use a Go duration such as '1h' or '15m'"
    total = sum(int(number) * _GO_UNIT_NS[unit] for number, unit in _GO_DURATION_PART.findall(value))
    if total > GO_DURATION_MAX_NS:
        return "use a Go duration of at most 2562047h (Go's time.Duration overflows beyond it), e.g. '24h'"
    return None


def keda_threshold_problem(value: float, *, zero_ok: bool) -> str | None:
    """Why KEDA would read the threshold ``value`` as another number, or None: KEDA turns thresholds into
    Kubernetes quantities in thousandths (``NewMilliQuantity(int64(value * 1000))``), dropping anything finer."""
    milli = value * 1000
    if value == 0 and zero_ok:
        return None
    if milli < 1:
        return "use at least 0.001: KEDA counts thresholds in thousandths and would read a smaller one as 0"
    if abs(milli - round(milli)) > 1e-6 * max(1.0, milli):
        return (
            "use at most three decimals: KEDA counts thresholds in thousandths and would read it as "
            f"{int(milli) / 1000:g}"
        )
    return None


_BIDI_AND_INVISIBLE = "Cf"
"""Unicode's format characters: zero-width spaces and joiners, bidirectional controls, soft hyphens."""
_CONFUSABLE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
"""Scripts with letters that look alike (Latin 'a', Cyrillic 'а', Greek 'α')."""


def served_name_problem(name: str) -> str | None:
    """Why clients could not tell the served model name ``name`` from another one, or None: invisible or
    bidirectional-control characters, a form that Unicode normalization changes (full-width letters, ligatures),
    or letters of look-alike scripts mixed in one word (``llаma`` with a Cyrillic ``а``; ``модель-7b`` is fine)."""
    for char in name:
        if unicodedata.category(char) in (_BIDI_AND_INVISIBLE, "Cc", "Zl", "Zp") or (char.isspace() and char != " "):
            return (
                f"remove the invisible or direction-changing character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')}): two names that look the same would be two routes"
            )
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        return f"write the name as {normal!r} (Unicode NFKC): the name as written looks like it but routes apart"
    for word in re.findall(r"[^\W\d_]+", name):
        scripts = {
            script
            for char in word
            for script in _CONFUSABLE_SCRIPTS
            if unicodedata.name(char, "").startswith(script + " ")
        }
        if len(scripts) > 1:
            return (
                f"use letters of one script in {word!r}: it mixes {' and '.join(sorted(s.title() for s in scripts))} "
                "letters, which look alike (Latin 'a', Cyrillic 'а'), so two names that look the same would be two "
                "routes"
            )
    return None
