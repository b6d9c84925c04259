"""API keys: the Secret the gateway authenticates clients against (client id -> API key).

Three sources: an existing Secret (the default; nothing is emitted), an ExternalSecret that
External Secrets Operator fills from a secret store such as Vault, or, for testing only, a Secret
holding a dummy key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from ._resource import namespace_for
from .config import ApiKeysConfig
from .contracts import typed_props
from .validation import ChartValidation

if TYPE_CHECKING:
    from .imports.io import external_secrets as eso


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
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: ApiKeysConfig | None = None,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        config = config if config is not None else ApiKeysConfig()
        namespace = namespace_for(self, namespace)
        self.config = config
        self.namespace = namespace
        self.secret_name = config.secret_name
        """Name of the Secret the SecurityPolicy reads."""
        self.source = config.source
        labels = {"app.kubernetes.io/component": "api-keys", **(labels or {})}
        self.external_secret: eso.ExternalSecret | None = None
        self.secret: k8s.KubeSecret | None = None
        self.warnings: list[str] = []
        """What the user must know about this output (a test key in it); the CLI prints them, constructs never do."""

        validation = ChartValidation.own(self)
        if config.source == "existing":
            validation.declare_external_secret(namespace, config.secret_name)
        if config.external_secret is not None:
            # Imported only when used: External Secrets' generated module is the third largest (3 MB).
            from .imports.io import external_secrets as eso

            ext = config.external_secret
            self.external_secret = eso.ExternalSecret(
                self,
                "Resource",
                metadata=cdk8s.ApiObjectMetadata(name=config.secret_name, namespace=namespace, labels=labels),
                spec=eso.ExternalSecretSpec(
                    refresh_interval=ext.refresh_interval,
                    secret_store_ref=eso.ExternalSecretSpecSecretStoreRef(
                        name=ext.store_name,
                        kind=eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE
                        if ext.store_kind == "ClusterSecretStore"
                        else eso.ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
                    ),
                    target=eso.ExternalSecretSpecTarget(
                        name=config.secret_name,
                        creation_policy=eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
                        template=eso.ExternalSecretSpecTargetTemplate(type="Opaque"),
                    ),
                    # Every property of the remote secret becomes one entry: client id -> API key,
                    # exactly the shape Envoy Gateway's apiKeyAuth expects.
                    data_from=[
                        eso.ExternalSecretSpecDataFrom(
                            extract=eso.ExternalSecretSpecDataFromExtract(key=ext.remote_key)
                        )
                    ],
                ),
            )
        elif not config.existing_secret:
            assert config.dummy_key is not None
            self.warnings.append(
                f"apiKeys.dummyKey is set: dist/ contains a Secret '{config.secret_name}' with a test API key "
                f"for client '{config.dummy_client_id}'. Never use this outside a test cluster."
            )
            self.secret = k8s.KubeSecret(
                self,
                "Resource",
                metadata=k8s.ObjectMeta(name=config.secret_name, namespace=namespace, labels=labels),
                type="Opaque",
                string_data={config.dummy_client_id: config.dummy_key},
            )
