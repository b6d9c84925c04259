"""What upstream systems decide, each written down once: names, ports, labels, headers and the rules behind them.

One module per upstream system; the constructs, the output checks and the harnesses import a fact from here
instead of spelling it again. Standard library only, and nothing of the package but :mod:`..pins` (where the
versions these facts hold for live), so any layer can read them. Where a check or a test keeps its own copy of a
fact on purpose (an independent oracle against the construct), a comment at that copy says so.

- :mod:`.kserve`: the InferenceService's predictor (container, mount path, ports, labels, the ``<isvc>-predictor``
  rule) and KServe's annotations;
- :mod:`.vllm`: the paths the vLLM OpenAI server serves;
- :mod:`.argocd`: the annotation Argo CD orders a sync by;
- :mod:`.ai_gateway`: Envoy AI Gateway's model header, metadata namespace, token-cost keys and route limits;
- :mod:`.envoy_gateway`: Envoy Gateway's controller name, labels, install names and policy limits;
- :mod:`.gateway_api`: the Kubernetes Gateway API group and kinds;
- :mod:`.kubernetes`: ``(apiVersion, kind)`` of the Kubernetes kinds the stack writes;
- :mod:`.external_secrets`: the ExternalSecret kind and its creation policy;
- :mod:`.inference_extension`: the InferencePool's group and its endpoint picker's ports, scorers and defaults;
- :mod:`.grafana`: the label Grafana's sidecar finds dashboards by;
- :mod:`.keda`: KEDA's API group and the name of the HPA it creates;
- :mod:`.opentelemetry`: the OTLP traces path and port;
- :mod:`.phoenix`: Arize Phoenix's ports;
- :mod:`.argocd`: which kinds Argo CD assesses itself, and the ``argocd-cm`` key of a custom health check.
"""
