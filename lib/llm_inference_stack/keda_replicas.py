"""The replica count KEDA and the HPA settle on for a ScaledObject's query value: the one home of the formula.

Standard library only, so the local runtime and the tests can evaluate it without the constructs or jsii.
"""

from __future__ import annotations

import math
from typing import Protocol


class ScalingNumbers(Protocol):
    """The numbers of a ScaledObject with one Prometheus trigger (metricType AverageValue, KEDA's default).
    ``AutoscalingConfig`` is one."""

    @property
    def threshold(self) -> float: ...
    @property
    def activation_threshold(self) -> float: ...
    @property
    def min_replicas(self) -> int: ...
    @property
    def max_replicas(self) -> int: ...


HPA_TOLERANCE = 0.1
"""kube-controller-manager's ``--horizontal-pod-autoscaler-tolerance`` default (both directions; an HPA's
``behavior.scaleUp/scaleDown.tolerance`` is alpha in v1.34 and the stack sets none)."""


def keda_desired_replicas(value: float, policy: ScalingNumbers, current: int | None = None) -> int:
    """Replicas KEDA + HPA settle on for a steady query ``value`` (metricType AverageValue), from ``current``
    replicas (``None``: from none yet, the count a first reconcile asks for).

    - KEDA hands the HPA the query's value with target ``averageValue = threshold``. The HPA
      (kube-controller-manager v1.34, ``replica_calculator.go``, ``GetExternalPerPodMetricReplicas``) computes
      ``ratio = value / (threshold * current)`` and keeps ``current`` while ``ratio`` is within the tolerance
      (``0.9 <= ratio <= 1.1``); otherwise it wants ``ceil(value / threshold)``. So 16 waiting requests (threshold
      5) keep 3 replicas at 3 (ratio 1.07), and take 1 or 2 replicas to 4. Then clamped to
      ``[max(minReplicaCount, 1), maxReplicaCount]``.
    - The trigger is active only when ``value > activationThreshold``. Activation decides only 0 <-> 1: with
      ``minReplicaCount == 0`` an inactive trigger scales to 0; with ``minReplicaCount >= 1`` (what the settings
      allow) it changes nothing.
    - Left out (they decide *when*, not *where to*): stabilization windows, scaling policies (how many pods a
      period) and cooldownPeriod (which applies to scaling to zero only).
    """
    if value <= policy.activation_threshold and policy.min_replicas == 0:
        return 0
    desired = math.ceil(value / policy.threshold) if value > 0 else 0
    if current is not None and current > 0:
        ratio = value / (policy.threshold * current)
        if 1.0 - HPA_TOLERANCE <= ratio <= 1.0 + HPA_TOLERANCE:
            desired = current
    return max(max(policy.min_replicas, 1), min(policy.max_replicas, desired))
