"""External Secrets Operator: the ExternalSecret kind the keys Secret is synced by.

For the release in :data:`..pins.EXTERNAL_SECRETS_VERSION`.
"""

from __future__ import annotations

GROUP = "external-secrets.io"
API_VERSION = f"{GROUP}/v1"
EXTERNAL_SECRET = "ExternalSecret"
OWNER_CREATION_POLICY = "Owner"
"""``spec.target.creationPolicy``: the operator creates the Secret and owns it (deleted with the ExternalSecret)."""
