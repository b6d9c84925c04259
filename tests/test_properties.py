"""Property-based: every values mapping the loader accepts synthesizes valid output; rejects are ValuesError."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_inference_stack import ValuesError, manifests, stack_config_from_mapping
from llm_inference_stack.validation import validate_objects

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9._/-]{0,40}", fullmatch=True)
SCHEMES = st.sampled_from(["s3://b/m/", "gs://b/m", "hf://org/model", "pvc://claim/path", "ftp://x/y", "bucket/path"])


@st.composite
def model(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"name": draw(NAMES), "storageUri": draw(SCHEMES)}
    runtime: dict[str, Any] = {}
    if draw(st.booleans()):
        runtime["gpuCount"] = draw(st.integers(-1, 17))
    if draw(st.booleans()):
        runtime["maxModelLen"] = draw(st.one_of(st.none(), st.integers(0, 200_000)))
    if draw(st.booleans()):
        runtime["extraArgs"] = draw(
            st.lists(st.sampled_from(["--enable-prefix-caching", "--max-num-seqs", "8"]), max_size=3)
        )
    if runtime:
        out["runtime"] = runtime
    if draw(st.booleans()):
        out["autoscaling"] = {"minReplicas": draw(st.integers(-1, 4)), "maxReplicas": draw(st.integers(0, 8))}
    return out


@st.composite
def values(draw: st.DrawFn) -> dict[str, Any]:
    raw: dict[str, Any] = {"models": draw(st.lists(model(), min_size=1, max_size=3))}
    if draw(st.booleans()):
        raw["release"] = draw(st.from_regex(r"[a-z][a-z0-9-]{0,34}", fullmatch=True))
    if draw(st.booleans()):
        raw["gateway"] = {
            "mode": draw(st.sampled_from(["ai-gateway", "standalone"])),
            "rateLimit": draw(st.one_of(st.none(), st.fixed_dictionaries({"tokensPerMinute": st.integers(-1, 10**6)}))),
        }
    raw["apiKeys"] = draw(
        st.sampled_from(
            [
                {"existingSecret": True},
                {"existingSecret": False, "dummyKey": "test-key-0123456789abcdef"},
                {"externalSecret": {"storeName": "vault", "remoteKey": "llm/keys"}},
                {"existingSecret": False},
            ]
        )
    )
    if draw(st.booleans()):
        raw["observability"] = {"phoenix": None}
    return raw


MUTATIONS = st.sampled_from(["drop", "wrong-type", "unknown-key", "none"])


def mutate(raw: dict[str, Any], how: str, key_index: int) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    keys = sorted(out)
    key = keys[key_index % len(keys)]
    if how == "drop":
        out.pop(key)
    elif how == "wrong-type":
        out[key] = 42 if not isinstance(out[key], int) else "forty-two"
    elif how == "unknown-key":
        out[key + "x"] = out[key]
    else:
        out[key] = None
    return out


def check(raw: dict[str, Any]) -> None:
    try:
        config = stack_config_from_mapping(raw)
    except ValuesError as error:
        assert error.path and error.fix
        return
    validate_objects(manifests(config, validate=False))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values())
def test_accepted_values_synthesize_valid_output(raw: dict[str, Any]) -> None:
    check(raw)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values(), MUTATIONS, st.integers(0, 10))
def test_mutated_values_are_accepted_and_valid_or_rejected_with_values_error(
    raw: dict[str, Any], how: str, key_index: int
) -> None:
    check(mutate(raw, how, key_index))


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=8,
    )
)
def test_arbitrary_documents_raise_only_values_error(raw: Any) -> None:
    with contextlib.suppress(ValuesError):
        stack_config_from_mapping(raw)
