"""What a GitOps controller needs beside the manifests: Argo CD health checks for the kinds it cannot assess.

:mod:`.argocd` holds the Lua health checks shipped with the package (``argocd_health/*.lua``) and writes the
``argocd-cm`` patch that installs them (``llm-stack argocd-health``).
"""
