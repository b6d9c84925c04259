"""The Gateway API Inference Extension: the InferencePool and its endpoint picker (EPP).

For the release in :data:`..pins.INFERENCE_EXTENSION_VERSION`: the ports and defaults of ``cmd/epp``
(``pkg/epp/server/options.go``), the plugin names and weights of the ``config/charts/inferencepool`` chart's default
``EndpointPickerConfig`` (``config/charts/epplib/templates/_config.yaml``), and the prefix cache scorer's defaults
(``pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix/types.go``).
"""

from __future__ import annotations

from typing import Final, Literal

GROUP = "inference.networking.k8s.io"
"""API group of the InferencePool (the stable API)."""
API_VERSION = f"{GROUP}/v1"
"""``apiVersion`` of the InferencePool."""
POOL_KIND = "InferencePool"
ALPHA_GROUP = "inference.networking.x-k8s.io"
"""API group of InferenceObjective, InferenceModelRewrite and the ``EndpointPickerConfig`` file format."""
CONFIG_API_VERSION = f"{ALPHA_GROUP}/v1alpha1"
CONFIG_KIND = "EndpointPickerConfig"

EXT_PROC_PORT = 9002
"""The EPP's gRPC ext-proc port (``--grpc-port``), which the InferencePool's ``endpointPickerRef`` names."""
HEALTH_PORT = 9003
"""The EPP's gRPC health port (``--grpc-health-port``); probes use the ``inference-extension`` service."""
METRICS_PORT = 9090
"""The EPP's Prometheus metrics port (``--metrics-port``)."""
HEALTH_SERVICE = "inference-extension"
"""gRPC health service the chart's probes ask for with one replica."""
CONTAINER_NAME = "epp"
CONFIG_MOUNT_PATH = "/config"
CONFIG_FILE = "default-plugins.yaml"
"""Key of the ``EndpointPickerConfig`` in the ConfigMap, mounted at ``/config`` (``--config-file``)."""

QUEUE_SCORER = "queue-scorer"
KV_CACHE_SCORER = "kv-cache-utilization-scorer"
PREFIX_CACHE_SCORER = "prefix-cache-scorer"
DEFAULT_WEIGHTS = {QUEUE_SCORER: 2, KV_CACHE_SCORER: 2, PREFIX_CACHE_SCORER: 3}
"""The scorers of the chart's default profile and their weights."""
DEFAULT_BLOCK_SIZE_TOKENS = 16
"""The prefix cache scorer's ``blockSizeTokens`` (vLLM's default block size)."""
DEFAULT_MAX_PREFIX_BLOCKS = 256
"""The prefix cache scorer's ``maxPrefixBlocksToMatch``."""
DEFAULT_LRU_CAPACITY_PER_SERVER = 31250
"""The prefix cache scorer's ``lruCapacityPerServer``."""

DEFAULT_FAILURE_MODE: Final[Literal["FailOpen"]] = "FailOpen"
"""``endpointPickerRef.failureMode`` of the chart (the CRD's own default is ``FailClose``)."""

FLOW_CONTROL_GATE = "flowControl"
"""The feature gate of the experimental flow control layer (``pkg/epp/flowcontrol/config.go``), listed in the
``EndpointPickerConfig``'s ``featureGates``: admitted requests wait in the picker's queues while the pool is saturated
(the utilization detector reads an empty pool as saturated, ``saturationdetector/utilization/detector.go``), and
are dispatched once a pod has room."""
QUEUE_SIZE_METRIC = "inference_extension_flow_control_queue_size"
"""The gauge of the requests held in the flow control's queues (``pkg/epp/metrics/metrics.go``), labelled
``inference_pool`` (the pool's name), ``fairness_id``, ``priority`` and the model names: it exists with no pod in the
pool, unlike vLLM's metrics."""
POOL_METRIC_LABEL = "inference_pool"
