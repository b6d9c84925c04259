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


def keda_desired_replicas(value: float, policy: ScalingNumbers) -> int:
    """Replicas KEDA + HPA converge to for a steady query ``value`` (metricType AverageValue).

    - KEDA hands the HPA the query's value with target ``averageValue = threshold``, so the HPA wants
      ``ceil(value / threshold)`` replicas, clamped to ``[max(minReplicaCount, 1), maxReplicaCount]``.
    - The trigger is active only when ``value > activationThreshold``. Activation decides only 0 <-> 1: with
      ``minReplicaCount == 0`` an inactive trigger scales to 0; with ``minReplicaCount >= 1`` (what the settings
      allow) it changes nothing.
    - Left out (they decide *when*, not *where to*): the HPA's 10% tolerance around the current count,
      stabilization windows / scaling policies, and cooldownPeriod (which applies to scaling to zero only).
    """
    if value <= policy.activation_threshold and policy.min_replicas == 0:
        return 0
    desired = math.ceil(value / policy.threshold) if value > 0 else 0
    return max(max(policy.min_replicas, 1), min(policy.max_replicas, desired))
