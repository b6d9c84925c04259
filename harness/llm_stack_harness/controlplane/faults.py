"""Faults under steady load: what the gateway does while a component it talks to is down.

``probe --faults JSON`` (with ``--vllm``) runs this instead of the checks. One steady load runs through the gateway
for the whole run (a step in :class:`..base.load.ProfileLoad`, stopped when the last phase ends: ``concurrency``
streamed completions in flight, the official ``openai`` client, no retries), through phases in order:
``baseline`` (all up), then each fault (the component stopped by its handle, held down ``phaseSeconds``, started
again and waited healthy), then ``recovered`` (all up again). Each request counts in the phase in which it started
(:func:`phase_counts`), as 2xx, 429, 5xx or other (a connection error, a timeout, a stream broken off, another status).

- ``phoenix-down``: Phoenix stopped. The external processor's and vLLM's span exporters send in the background:
  every request must still succeed.
- ``redis-down``: Redis stopped under the rate-limit service. Envoy Gateway's ``rateLimit.failClosed`` is
  :data:`.envoy_gateway.RATE_LIMIT_FAIL_CLOSED` (false): Envoy lets a request through when the rate-limit service
  cannot answer, so every request must still succeed (2xx, no 429 or 5xx), and Envoy's own
  ``ratelimit.failure_mode_allowed`` counter must rise (the limit was asked and failed open, not skipped). After
  Redis is back (it restarts empty) the rate-limit service counts tokens in it again.
- ``pod-killed``: one of the model's two vLLM Pods deleted through the API server as ``kubectl delete pod`` does,
  in the middle of the phase (:mod:`.pod_kill`); the phase ends once the ReplicaSet's replacement is a ready
  endpoint. Every request started after the kill must succeed (on the other Pod, or the replacement); how many were
  in flight on the killed Pod (its own vLLM's gauges) and how many of those failed (the load's records) is reported.

- ``rolled-out`` (a run of its own: it takes minutes): one vLLM argument of the model changed through the API
  server and rolled out by KServe and the deployment controller (:mod:`.rollout`); the phase ends once every replica
  is a new Pod. Every request must succeed and the predictor Service must never have fewer ready endpoints than
  before the change.

The budget must be one the load does not exhaust: a 429 in any phase is then a real failure.
"""

from __future__ import annotations

import dataclasses
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from llm_inference_stack.facts import envoy_gateway as envoy_gateway_facts

from ..base.errors import HarnessError, LoadProfileError
from ..base.load import ProfileLoad, RequestRecord
from ..base.load_profile import MAX_CONCURRENCY, MAX_DURATION_S, MAX_OUTPUT_TOKENS, StepProfile
from ..base.substitutions import register
from ..base.timeline import percentile
from .envoy_gateway import RATE_LIMIT_FAIL_CLOSED
from .gateway_checks import Check, ProbeReport, api_keys, served_models, token_budget
from .pod_kill import NOT_READY_WAIT_S, Killed, PodKiller, hold_replicas, two_pod_model
from .rollout import RolledOut, Rollout
from .scaling import counter_sum

if TYPE_CHECKING:
    from .dataplane import GatewayDataPlane
    from .kube import KubeClient
    from .phoenix import SandboxPhoenix

Outcome = Literal["2xx", "429", "5xx", "other"]
OUTCOMES: tuple[Outcome, ...] = ("2xx", "429", "5xx", "other")
FAULTS = ("phoenix-down", "redis-down", "pod-killed", "rolled-out")
"""The faults a run can inject."""
DEFAULT_FAULTS = FAULTS[:3]
"""What a run without ``faults`` injects, in this order (``rolled-out`` takes minutes: a run of its own)."""
BASELINE, RECOVERED = "baseline", "recovered"
LABELS = {
    BASELINE: "baseline (all up)",
    "phoenix-down": "Phoenix down",
    "redis-down": "Redis down",
    "pod-killed": "one of two Pods killed",
    "rolled-out": "a rolling update of the model",
    RECOVERED: "after the faults (all up again)",
}
"""How the checks name each phase."""
PHOENIX_START_S = 300.0
"""Longest Phoenix may take to answer again after its restart in the fault run: 22 s on an idle machine, but its
imports get a few percent of a core beside the model Pods' vLLMs under load (strace: 3 s of CPU in its first 36 s;
not ready after 180 s twice, beside another control-plane module)."""
RESTART_ALLOWANCE_S = {
    "phoenix-down": PHOENIX_START_S, "redis-down": 20.0, "pod-killed": 420.0, "rolled-out": 600.0,
}  # fmt: skip
"""Longest a component takes to be healthy again after it is started (Phoenix's and Redis's own waits; for a killed
Pod, its replacement's storage initializer and vLLM start on two loaded cores: 232 s measured with another
control-plane module beside it; for a rollout, each replica's replacement started and the old one drained): the
load is bounded to the phases plus these."""
MAX_PHASE_S = 30.0
"""Longest phase: every fault's phase at this length, with the restart allowances, fits in
:data:`..base.load_profile.MAX_DURATION_S`."""
PODS_READY_TIMEOUT_S = 600.0
"""Longest ``pod-killed`` waits, before the load, for the second Pod to be a ready endpoint too."""
RATE_LIMIT_STATS = ("ok", "over_limit", "error", "failure_mode_allowed")
"""Envoy's rate-limit filter's counters (``cluster.<name>.ratelimit.<stat>``, summed over clusters): the service's
answers, and the requests let through when it gave none (``failure_mode_allowed``)."""

SUBSTITUTIONS = register("faults", (
    ("a component down (Phoenix, Redis) is its process stopped by its process group (SIGTERM) and started again, its "
     "address kept: connections to it are refused, as kube-proxy rejects a Service with no ready endpoint; no "
     "network partition (packets dropped, connections timing out) is injected",
     "no nodes to lose: each component is a process in the sandbox"),
    ("a Pod killed (pod-killed) is deleted through the API server as kubectl delete pod does (graceful: the API "
     "server's deletionTimestamp, the endpointslice controller's not-ready endpoint, the node agent's SIGTERM to "
     "vLLM); its vLLM's gauges are read right before the delete for what it had in flight. Its two replicas are "
     "written to the predictor Deployment's scale subresource, as KEDA's HPA would at minReplicaCount 2",
     "no kubelet: the node agent's termination path (controlplane/agent.py) stands in for it; no KEDA in the "
     "fault run"),
    ("a rollout (rolled-out) is one vLLM argument appended to the InferenceService's container through the API "
     "server; KServe and the deployment controller replace the Pods, the node agent serving the surge Pod too",
     "the change a re-applied values file makes, without an apply tool"),
))  # fmt: skip


# ----------------------------------------------------------------------------------------------------------------
# What a run is asked to do


@dataclasses.dataclass(frozen=True)
class FaultSpec:
    """``--faults JSON``: ``{"concurrency": 4, "phaseSeconds": 30, "outputTokens": 32, "faults": [...]}``."""

    concurrency: int = 4
    """Requests kept in flight for the whole run. Default: 4."""
    phase_s: float = 30.0
    """Seconds of each phase: the baseline, each fault held down, the recovery. Default: 30."""
    output_tokens: int = 32
    """Tokens each request generates (``ignore_eos``). Default: 32."""
    faults: tuple[str, ...] = DEFAULT_FAULTS
    """The faults, in order (:data:`FAULTS`). Default: :data:`DEFAULT_FAULTS`."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultSpec:
        """The spec from its JSON object; an unknown key or a value out of bounds raises naming it and the fix."""
        known = {"concurrency", "phaseSeconds", "outputTokens", "faults"}
        if not isinstance(data, Mapping):
            raise LoadProfileError("--faults", data, f"give a JSON object with {', '.join(sorted(known))}")
        for key in sorted(set(data) - known):
            raise LoadProfileError(f"--faults {key}", data[key], f"leave it out: give only {', '.join(sorted(known))}")
        spec = cls(
            concurrency=_whole(data, "concurrency", cls.concurrency, MAX_CONCURRENCY),
            phase_s=_seconds(data, "phaseSeconds", cls.phase_s),
            output_tokens=_whole(data, "outputTokens", cls.output_tokens, MAX_OUTPUT_TOKENS),
            faults=_fault_names(data.get("faults", list(DEFAULT_FAULTS))),
        )
        if spec.bound_s > MAX_DURATION_S:
            raise LoadProfileError(
                "--faults faults", list(spec.faults),
                f"their phases and restart allowances ({spec.bound_s:g} s) exceed a load's {MAX_DURATION_S:g} s: "
                "run rolled-out on its own",
            )  # fmt: skip
        return spec

    @property
    def bound_s(self) -> float:
        """Longest the load may run: every phase, plus each component's restart allowance (at most
        :data:`..base.load_profile.MAX_DURATION_S` with every fault and :data:`MAX_PHASE_S`)."""
        return self.phase_s * (len(self.faults) + 2) + sum(RESTART_ALLOWANCE_S[f] for f in self.faults)

    def to_json(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "phaseSeconds": self.phase_s, "outputTokens": self.output_tokens,
                "faults": list(self.faults)}  # fmt: skip


def _whole(data: Mapping[str, Any], key: str, default: int, largest: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= largest:
        raise LoadProfileError(f"--faults {key}", value, f"give a whole number, 1 to {largest}")
    return value


def _seconds(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 5 <= value <= MAX_PHASE_S:
        raise LoadProfileError(f"--faults {key}", value, f"give seconds, 5 to {MAX_PHASE_S:g}")
    return float(value)


def _fault_names(value: Any) -> tuple[str, ...]:
    fix = f"give a list of distinct faults among {', '.join(FAULTS)}, at least one"
    if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
        raise LoadProfileError("--faults faults", value, fix)
    for name in value:
        if name not in FAULTS:
            raise LoadProfileError("--faults faults", name, fix)
    return tuple(value)


# ----------------------------------------------------------------------------------------------------------------
# Phases and what the requests did in each


@dataclasses.dataclass(frozen=True)
class Phase:
    """One phase of the run, in seconds on the load's clock (its start is 0)."""

    name: str
    """``baseline``, a fault of :data:`FAULTS`, or ``recovered``."""
    start_s: float
    end_s: float
    """When the next phase started (for a fault: the component healthy again)."""
    down: bool | None = None
    """For a fault: whether the component refused its health check right after the stop and before the start.
    Default: None (no fault)."""
    restart_s: float | None = None
    """For a fault: seconds from its start to healthy. Default: None."""
    ratelimit: Mapping[str, float] | None = None
    """How much each of Envoy's rate-limit counters (:data:`RATE_LIMIT_STATS`) rose during the phase; None when
    Envoy's stats could not be read. Default: None."""


def outcome(record: RequestRecord) -> Outcome:
    """How a request ended: ``2xx`` (a complete streamed answer), ``429``, ``5xx``, or ``other``."""
    if record.status in ("2xx", "429"):
        return record.status
    return "5xx" if record.code is not None and record.code >= 500 else "other"


def phase_of(start_s: float, phases: Sequence[Phase]) -> str | None:
    """The phase in which a request that started at ``start_s`` started; None outside every phase."""
    return next((p.name for p in phases if p.start_s <= start_s < p.end_s), None)


def phase_counts(records: Sequence[RequestRecord], phases: Sequence[Phase]) -> dict[str, dict[str, int]]:
    """Per phase (in order), how many requests that started in it ended in each :data:`OUTCOMES`."""
    counts: dict[str, dict[str, int]] = {p.name: dict.fromkeys(OUTCOMES, 0) for p in phases}
    for record in records:
        name = phase_of(record.start_s, phases)
        if name is not None:
            counts[name][outcome(record)] += 1
    return counts


def phase_latency(records: Sequence[RequestRecord], phases: Sequence[Phase]) -> dict[str, dict[str, float | None]]:
    """Per phase, the median time to first token and the median duration of the requests that started in it and
    ended 2xx (an exporter that blocked a request would show here before it failed one)."""
    ok = [r for r in records if r.status == "2xx"]
    out: dict[str, dict[str, float | None]] = {}
    for phase in phases:
        mine = [r for r in ok if phase_of(r.start_s, phases) == phase.name]
        ttft = percentile([r.ttft_s for r in mine if r.ttft_s is not None], 0.5)
        duration = percentile([r.end_s - r.start_s for r in mine], 0.5)
        out[phase.name] = {"ttftP50S": _rounded(ttft), "durationP50S": _rounded(duration)}
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _spell(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {counts[key]}" for key in OUTCOMES)


def _fault_state(phase: Phase) -> str:
    if phase.down is None:
        return ""
    restart = f", healthy {phase.restart_s:.1f} s after its start" if phase.restart_s is not None else ""
    return f"; down throughout: {'yes' if phase.down else 'NO (it answered)'}{restart}"


def succeeded_check(phase: Phase, counts: Mapping[str, int]) -> Check:
    """``<phase>: every request succeeded``: every request that started in the phase ended 2xx (and, for a fault,
    the component was down)."""
    total = sum(counts.values())
    return Check(
        f"{LABELS[phase.name]}: every request succeeded",
        total > 0 and counts["2xx"] == total and phase.down is not False,
        f"{counts['2xx']} of {total} ({_spell(counts)}){_fault_state(phase)}",
    )


def failed_open_check(phase: Phase, counts: Mapping[str, int]) -> Check:
    """``Redis down: the token limit failed open``: every request succeeded, none refused (429, 5xx or other), and
    Envoy let requests through its rate-limit filter because the service could not answer."""
    total = sum(counts.values())
    refused = total - counts["2xx"]
    allowed = (phase.ratelimit or {}).get("failure_mode_allowed")
    stats = (
        ", ".join(f"ratelimit.{key} +{phase.ratelimit[key]:g}" for key in RATE_LIMIT_STATS)
        if phase.ratelimit is not None
        else "Envoy's stats not read"
    )
    return Check(
        f"{LABELS[phase.name]}: the token limit failed open",
        total > 0 and refused == 0 and bool(phase.down) and bool(allowed),
        f"{total} requests, {refused} refused ({_spell(counts)}); Envoy's {stats}; Envoy Gateway's "
        f"rateLimit.failClosed: {str(RATE_LIMIT_FAIL_CLOSED).lower()} (envoy_gateway.RATE_LIMIT_FAIL_CLOSED)"
        f"{_fault_state(phase)}",
    )


def counting_again_check(counters: Mapping[str, int]) -> Check:
    """``Redis back: the rate-limit service counts tokens in it again``: Redis restarted empty, so any counter it
    holds at the end was written after the restart."""
    return Check(
        "Redis back: the rate-limit service counts tokens in it again",
        sum(counters.values()) > 0,
        f"{len(counters)} counters, {sum(counters.values())} tokens counted since Redis restarted empty: "
        + (", ".join(f"{key}={value}" for key, value in sorted(counters.items())[:4]) or "none"),
    )


@dataclasses.dataclass(frozen=True)
class KillFigures:
    """What the load's records say about a Pod kill at ``at_s``, within its phase."""

    after: dict[str, int]
    """Outcomes of the requests started from the kill to the phase's end."""
    records_in_flight: int
    """Requests in flight at the kill (started before it, ended after it), on either Pod."""
    records_in_flight_failed: int
    """Of those, how many did not end 2xx: the killed Pod's (the other Pod's fail none in the other phases)."""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def kill_figures(records: Sequence[RequestRecord], phase: Phase, at_s: float) -> KillFigures:
    """The requests started after the kill (in its phase) by outcome, and those in flight at it and how many failed."""
    after: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    for record in records:
        if at_s <= record.start_s < phase.end_s:
            after[outcome(record)] += 1
    at_kill = [r for r in records if r.start_s < at_s < r.end_s]
    return KillFigures(after, len(at_kill), sum(1 for r in at_kill if outcome(r) != "2xx"))


def pod_killed_check(phase: Phase, figures: KillFigures, killed: Killed) -> Check:
    """``one of two Pods killed: every request in flight at the kill or started after it succeeded``, the killed
    Pod's endpoint out of the EndpointSlices' ready ones: the Pod serves on for its ``preStop`` sleep and vLLM drains
    what it runs, so neither those it had nor those sent after fail. The detail says how many were in flight on it
    and how many of those failed."""
    total = sum(figures.after.values())
    on_it = f"{killed.in_flight:g}" if killed.in_flight is not None else "? (its vLLM did not answer)"
    endpoint = (
        f"not ready {killed.not_ready_after_s:g} s after the delete"
        if killed.not_ready_after_s is not None
        else f"still ready {NOT_READY_WAIT_S:g} s after the delete"
    )
    return Check(
        f"{LABELS[phase.name]}: every request in flight at the kill or started after it succeeded",
        total > 0 and figures.after["2xx"] == total and figures.records_in_flight_failed == 0 and bool(phase.down),
        f"{figures.after['2xx']} of {total} ({_spell(figures.after)}); {figures.records_in_flight_failed} of {on_it} "
        f"in flight on it failed (in flight: its own vLLM's num_requests_running + num_requests_waiting at the kill; "
        f"failed: of the {figures.records_in_flight} requests in flight at the kill on both Pods by the load's "
        f"records, those not 2xx). Pod {killed.pod} deleted (grace period {killed.grace_period_s} s), its endpoint "
        f"{endpoint}; replacement {killed.replacement or '?'}{_fault_state(phase)}",
    )


def rollout_check(phase: Phase, counts: Mapping[str, int], rolled: RolledOut) -> Check:
    """``a rolling update of the model: every request succeeded and capacity never dropped``: every request that
    started in the phase ended 2xx, every ready endpoint at the end is a new Pod, and the sampler never saw fewer
    ready endpoints than the replicas."""
    total = sum(counts.values())
    replaced = bool(rolled.ready_after) and not set(rolled.ready_after) & set(rolled.ready_before)
    capacity = rolled.samples > 0 and rolled.min_ready is not None and rolled.min_ready >= rolled.replicas > 0
    return Check(
        f"{LABELS[phase.name]}: every request succeeded and capacity never dropped",
        total > 0 and counts["2xx"] == total and bool(phase.down) and replaced and capacity,
        f"{counts['2xx']} of {total} ({_spell(counts)}); ready endpoints at least {rolled.min_ready} of "
        f"{rolled.replicas} in {rolled.samples} readings; {rolled.ready_before} -> {rolled.ready_after} in "
        f"{rolled.rolled_out_after_s} s{_fault_state(phase)}",
    )


def fault_checks(
    phases: Sequence[Phase], counts: Mapping[str, Mapping[str, int]], *, counters: Mapping[str, int] | None,
    kill: tuple[KillFigures, Killed] | None = None, rolled: RolledOut | None = None,
) -> list[Check]:  # fmt: skip
    """One check per phase (the Redis phase's says the limit failed open; with ``kill``, the killed Pod's phase's
    asks for the requests started after the kill), and with ``counters`` (Redis's, at the end), whether the
    rate-limit service counts in Redis again."""
    checks = []
    for phase in phases:
        if phase.name == "redis-down":
            checks.append(failed_open_check(phase, counts[phase.name]))
        elif phase.name == "pod-killed" and kill is not None:
            checks.append(pod_killed_check(phase, *kill))
        elif phase.name == "rolled-out" and rolled is not None:
            checks.append(rollout_check(phase, counts[phase.name], rolled))
        else:
            checks.append(succeeded_check(phase, counts[phase.name]))
    return checks + ([counting_again_check(counters)] if counters is not None else [])


# ----------------------------------------------------------------------------------------------------------------
# The run


@dataclasses.dataclass(frozen=True)
class Component:
    """What a fault stops: ``stop`` it, ``start`` it again and wait until healthy, ask whether it ``answers``."""

    name: str
    stop: Callable[[], None]
    start: Callable[[], None]
    answers: Callable[[], bool]
    lead: float = 0.0
    """Part of the phase that runs before the stop (``pod-killed``: 0.5, killed in its middle while both Pods serve).
    Default: 0 (stopped as the phase starts)."""


def components(
    data_plane: GatewayDataPlane, phoenix: SandboxPhoenix | None, killer: PodKiller | None = None,
    rollout: Rollout | None = None, *, log: Callable[[str], None] = lambda _m: None,
) -> dict[str, Component]:  # fmt: skip
    """The component of each fault, by its handle: Phoenix's process, the data path's Redis, one of the model's
    Pods (deleted through the API server; "started again" is its replacement ready), the model's Deployment
    (changed; "started again" is rolled out)."""
    from ..base.processes import http_get

    out = {"redis-down": Component("Redis", data_plane.stop_redis, data_plane.start_redis, data_plane.redis_answers)}
    if rollout is not None:
        out["rolled-out"] = Component(
            f"the Pods of {rollout.namespace}/{rollout.service}", rollout.change, rollout.wait, rollout.rolled_out
        )
    if killer is not None:
        out["pod-killed"] = Component(
            f"one of the Pods of {killer.namespace}/{killer.service}", killer.kill, killer.replaced, killer.answers,
            lead=0.5,
        )  # fmt: skip
    if phoenix is not None:

        def restart() -> None:
            phoenix.start()
            phoenix.wait_ready(PHOENIX_START_S)

        def answers() -> bool:
            try:
                return http_get(f"{phoenix.url}/healthz", timeout_s=2.0)[0] == 200
            except OSError:
                return False

        out["phoenix-down"] = Component("Phoenix", phoenix.close, restart, answers)
    return out


def ratelimit_stats(url: str) -> dict[str, float] | None:
    """Envoy's rate-limit filter's counters (:data:`RATE_LIMIT_STATS`) from its ``/stats/prometheus``; None when
    Envoy does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    return {name: counter_sum(text, f"envoy_cluster_ratelimit_{name}") for name in RATE_LIMIT_STATS}


class _Phases:
    """The phases as they happen: each ends where the next starts, with Envoy's rate-limit counters' rise."""

    def __init__(self, load: ProfileLoad, stats_url: str) -> None:
        self.load, self.stats_url = load, stats_url
        self.phases: list[Phase] = []
        self.start_s, self.stats = 0.0, ratelimit_stats(stats_url)

    def end(self, name: str, *, down: bool | None = None, restart_s: float | None = None) -> None:
        stats = ratelimit_stats(self.stats_url)  # read first: the phase ends after it, and the caller stops the
        now = self.load.now()  # load right after the last phase ends, so every request sent is in a phase
        rise = {k: stats[k] - self.stats[k] for k in RATE_LIMIT_STATS} if stats and self.stats else None
        self.phases.append(Phase(name, self.start_s, now, down, restart_s, rise))
        self.start_s, self.stats = now, stats


def run_phases(
    load: ProfileLoad, spec: FaultSpec, faults: Mapping[str, Component], *, stats_url: str,
    log: Callable[[str], None],
) -> list[Phase]:  # fmt: skip
    """The baseline, each fault and the recovery, ``spec.phase_s`` each, while ``load`` runs (started by the
    caller: the baseline starts at its clock's zero)."""
    phases = _Phases(load, stats_url)
    time.sleep(spec.phase_s)
    phases.end(BASELINE)
    for name in spec.faults:
        component = faults[name]
        time.sleep(spec.phase_s * component.lead)
        held_s = spec.phase_s * (1 - component.lead)
        log(f"faults: {component.name} down for {held_s:g} s ({load.now():.0f} s into the load)")
        component.stop()
        down = not component.answers()
        time.sleep(held_s)
        down = down and not component.answers()
        started = time.monotonic()
        component.start()
        restart_s = time.monotonic() - started
        log(f"faults: {component.name} healthy again after {restart_s:.1f} s")
        phases.end(name, down=down, restart_s=restart_s)
    time.sleep(spec.phase_s)
    phases.end(RECOVERED)
    return phases.phases


def hold_pod_replicas(client: KubeClient, objects: Sequence[Mapping[str, Any]], spec_json: Mapping[str, Any]) -> None:
    """For ``pod-killed``, before the probe waits for the model: its two replicas (:func:`.pod_kill.hold_replicas`),
    so both Pods start while the data path does."""
    model = two_pod_model(objects)
    if "pod-killed" in FaultSpec.from_json(spec_json).faults and model is not None:
        hold_replicas(client, *model)


def _prerequisite(
    spec: FaultSpec, objects: Sequence[Mapping[str, Any]], phoenix: SandboxPhoenix | None, client: KubeClient | None
) -> str:
    """What the manifests or the run lack for ``spec`` (empty when nothing)."""
    models = served_models(objects)
    if not api_keys(objects) or not models:
        return "the fault run needs an API key and a routed model in the manifests"
    if "phoenix-down" in spec.faults and phoenix is None:
        return "the fault phoenix-down needs Phoenix (--vllm, and the manifests' tracing endpoint)"
    if "redis-down" in spec.faults and token_budget(objects, models[0]) is None:
        return f"the fault redis-down needs a per-minute token budget on model {models[0]!r} (gateway.rateLimit)"
    if "pod-killed" in spec.faults and (client is None or two_pod_model(objects) is None):
        return ("the fault pod-killed needs a model with two Pods (autoscaling.minReplicas: 2, which the "
                "InferenceService's minReplicas takes) and the API server (--vllm)")  # fmt: skip
    if "rolled-out" in spec.faults and client is None:
        return "the fault rolled-out needs the API server (--vllm)"
    return ""


def run_fault_checks(
    report: ProbeReport,
    base_url: str,
    objects: Sequence[Mapping[str, Any]],
    data_plane: GatewayDataPlane,
    phoenix: SandboxPhoenix | None,
    spec_json: Mapping[str, Any],
    *,
    client: KubeClient | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> None:
    """The fault run through the gateway at ``base_url``: the steady load, its phases, per phase the requests'
    outcomes (``details.faults``) and the checks (:func:`fault_checks`). ``client`` (the API server) is what
    ``pod-killed`` deletes a Pod through."""
    spec = FaultSpec.from_json(spec_json)
    problem = _prerequisite(spec, objects, phoenix, client)
    if problem:
        report.error = problem
        return
    model, key = served_models(objects)[0], sorted(api_keys(objects).items())[-1][1]
    data_plane.reset_budgets()  # none spent before the load
    profile = StepProfile(concurrency=spec.concurrency, duration_s=spec.bound_s, output_tokens=spec.output_tokens)
    load = ProfileLoad(profile, base_url=base_url, model=model, api_key=key, sandboxed=True)
    host = base_url.split("://", 1)[1].rsplit(":", 1)[0]
    stats_url = f"http://{host}:{envoy_gateway_facts.PROXY_METRICS_PORT}/stats/prometheus"
    killer, rollout = _killer(spec, objects, client, load), _rollout(spec, objects, client, load)
    if killer is not None:
        killer.wait_for_pods(PODS_READY_TIMEOUT_S)  # the baseline runs on both Pods
    load.start()
    try:
        handles = components(data_plane, phoenix, killer, rollout, log=log)
        phases = run_phases(load, spec, handles, stats_url=stats_url, log=log)
        ended_early = load.finished
        load.stop()  # nothing sent after the last phase's end
        counters = data_plane.budget_counters() if "redis-down" in spec.faults else None
        if killer is not None:
            killer.read_replacement()
    finally:
        load.stop()
        load.wait(load.timeout_s + 10)
    records = load.records()
    counts = phase_counts(records, phases)
    kill = _kill(records, phases, killer)
    report.details["faults"] = counts
    report.details["faultRun"] = {
        "spec": spec.to_json(), "model": model, "tokensPerMinute": token_budget(objects, model),
        "rateLimitFailClosed": RATE_LIMIT_FAIL_CLOSED, "requests": len(records),
        "unattributed": len(records) - sum(sum(c.values()) for c in counts.values()),
        "latency": phase_latency(records, phases),
        "phases": [dataclasses.asdict(p) for p in phases], "budgetCounters": counters,
        "podKilled": dataclasses.asdict(kill[1]) | kill[0].as_dict() if kill is not None else None,
        "rolledOut": dataclasses.asdict(rollout.rolled) if rollout is not None else None,
        "notOk": [dataclasses.asdict(r) | {"phase": phase_of(r.start_s, phases)}
                  for r in records if r.status != "2xx"][:20],
    }  # fmt: skip
    if ended_early or load.capped:
        raise HarnessError(f"the load ended before the last phase ({spec.bound_s:g} s bound, {len(records)} requests)")
    report.checks += fault_checks(phases, counts, counters=counters, kill=kill,
                                  rolled=rollout.rolled if rollout is not None else None)  # fmt: skip


def _killer(
    spec: FaultSpec, objects: Sequence[Mapping[str, Any]], client: KubeClient | None, load: ProfileLoad
) -> PodKiller | None:
    model = two_pod_model(objects)
    if "pod-killed" not in spec.faults or client is None or model is None:
        return None
    return PodKiller(client, *model, clock=load.now, replace_timeout_s=RESTART_ALLOWANCE_S["pod-killed"])


def _rollout(
    spec: FaultSpec, objects: Sequence[Mapping[str, Any]], client: KubeClient | None, load: ProfileLoad
) -> Rollout | None:
    models = [o for o in objects if o.get("kind") == "InferenceService"]
    if "rolled-out" not in spec.faults or client is None or not models:
        return None
    metadata = models[0]["metadata"]
    return Rollout(client, str(metadata.get("namespace") or "default"), str(metadata["name"]), clock=load.now,
                   timeout_s=RESTART_ALLOWANCE_S["rolled-out"])  # fmt: skip


def _kill(
    records: Sequence[RequestRecord], phases: Sequence[Phase], killer: PodKiller | None
) -> tuple[KillFigures, Killed] | None:
    phase = next((p for p in phases if p.name == "pod-killed"), None)
    if killer is None or phase is None or killer.killed.at_s is None:
        return None
    return kill_figures(records, phase, killer.killed.at_s), killer.killed


__all__ = [
    "DEFAULT_FAULTS", "FAULTS", "OUTCOMES", "SUBSTITUTIONS", "Component", "FaultSpec", "KillFigures", "Phase",
    "components", "counting_again_check", "failed_open_check", "fault_checks", "hold_pod_replicas", "kill_figures",
    "outcome", "phase_counts", "phase_latency", "phase_of", "pod_killed_check", "ratelimit_stats", "rollout_check",
    "run_fault_checks", "run_phases", "succeeded_check",
]  # fmt: skip
