"""API keys: the Secret the gateway authenticates clients against (client id -> API key).

Three sources: an existing Secret (the default; nothing is emitted), an ExternalSecret that
External Secrets Operator fills from a secret store such as Vault, or, for testing only, a Secret
holding a dummy key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cdk8s
from constructs import Construct

from ._resource import gvk, namespace_for, plain_api_object
from .config import ApiKeysConfig, ExternalSecretConfig
from .contracts import typed_props
from .errors import PropError
from .facts import external_secrets, kubernetes
from .settings.tenants import CLIENT_ID_PREFIX
from .validation import ChartValidation


@typed_props
class ApiKeys(Construct):
    """The keys Secret, by reference or created; pass it to a gateway (``AiGateway(api_keys=...)``).

    An existing Secret (``config.existing_secret``) is declared to the chart's validation as created outside the
    output; an ExternalSecret or a test Secret is emitted (``node.default_child``).

    :param config: where the keys come from. Default: ``ApiKeysConfig()``, an existing Secret
        ``ai-gateway-api-keys``.
    :param namespace: namespace of the Secret, which must be the gateway's. Default: the chart's namespace, else
        ``kserve-inference``.
    :param labels: extra labels. Default: none.
    :param client_id_prefix: start of every client id of these keys, for a tenant (``AiGateway.add_tenant``): the
        ExternalSecret rewrites each key of the remote secret to ``<prefix><key>`` (External Secrets'
        ``dataFrom[].rewrite``), the test Secret's client is ``<prefix><dummy_client_id>``, and an existing Secret's
        keys must start with it already. Default: none, the client ids are the keys as they are.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: ApiKeysConfig | None = None,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
        client_id_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        config = config if config is not None else ApiKeysConfig()
        namespace = namespace_for(self, namespace)
        if client_id_prefix is not None and not CLIENT_ID_PREFIX.fullmatch(client_id_prefix):
            raise PropError(
                "ApiKeys",
                "client_id_prefix",
                client_id_prefix,
                "use letters, digits, '-', '.' and '_' (what a Secret key may hold), starting with a letter or "
                "digit, at most 63 characters, e.g. 'team-a.'",
            )
        self.config = config
        self.namespace = namespace
        self.secret_name = config.secret_name
        """Name of the Secret the SecurityPolicy reads."""
        self.source = config.source
        self.client_id_prefix = client_id_prefix
        """Start of every client id of these keys (a tenant's); None: the keys as they are."""
        prefix = client_id_prefix or ""
        labels = {"app.kubernetes.io/component": "api-keys", **(labels or {})}
        self.external_secret: cdk8s.ApiObject | None = None
        """The ExternalSecret (``external_secret`` configured); None otherwise."""
        self.secret: cdk8s.ApiObject | None = None
        """The Secret holding the dummy key (``dummy_key``); None otherwise."""
        self.warnings: list[str] = []
        """What the user must know about this output (a test key in it); the CLI prints them, constructs never do."""

        validation = ChartValidation.own(self, scope)
        if config.source == "existing":
            validation.declare_external_secret(namespace, config.secret_name)
        if config.external_secret is not None:
            self.external_secret = self._external_secret(config, config.external_secret, labels)
        elif not config.existing_secret:
            assert config.dummy_key is not None
            self.warnings.append(
                f"apiKeys.dummyKey is set: dist/ contains a Secret '{config.secret_name}' with a test API key "
                f"for client '{prefix}{config.dummy_client_id}'. Never use this outside a test cluster."
            )
            self.secret = plain_api_object(
                self,
                "Resource",
                gvk=gvk(*kubernetes.SECRET),
                metadata=cdk8s.ApiObjectMetadata(name=config.secret_name, namespace=namespace, labels=dict(labels)),
                body={"type": "Opaque", "stringData": {prefix + config.dummy_client_id: config.dummy_key}},
            )

    def _external_secret(
        self, config: ApiKeysConfig, ext: ExternalSecretConfig, labels: Mapping[str, str]
    ) -> cdk8s.ApiObject:
        """The ExternalSecret writing the keys Secret from the store: one entry per property of the remote secret."""
        prefix = self.client_id_prefix or ""
        data_from: dict[str, Any] = {"extract": {"key": ext.remote_key}}
        if prefix:
            # A tenant's client ids start with its prefix: Go's ReplaceAllString of "^" puts it in front of every
            # key (External Secrets v2.9 esutils.RewriteRegexp).
            data_from["rewrite"] = [{"regexp": {"source": "^", "target": prefix}}]
        spec = {
            "refreshInterval": ext.refresh_interval,
            "secretStoreRef": {"name": ext.store_name, "kind": ext.store_kind},
            "target": {
                "name": config.secret_name,
                "creationPolicy": external_secrets.OWNER_CREATION_POLICY,
                "template": {"type": "Opaque"},
            },
            # Every property of the remote secret becomes one entry: client id -> API key, exactly the shape
            # Envoy Gateway's apiKeyAuth expects.
            "dataFrom": [data_from],
        }
        return plain_api_object(
            self,
            "Resource",
            gvk=gvk(external_secrets.API_VERSION, external_secrets.EXTERNAL_SECRET),
            metadata=cdk8s.ApiObjectMetadata(name=config.secret_name, namespace=self.namespace, labels=dict(labels)),
            body={"spec": spec},
        )
