"""A real control plane for the synthesized manifests: kube-apiserver, etcd and the KServe, KEDA, Envoy Gateway
and Envoy AI Gateway controllers, built from their pinned Go modules (:mod:`.build`), run on loopback in a
sandbox (:mod:`.sandbox`, :mod:`.cluster`), and ``llm-stack verify`` (:mod:`.verify`) on top."""
