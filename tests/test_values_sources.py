"""Several values files and --set flags: merged as Helm merges them, every error naming its source."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT

from llm_inference_stack import load_values
from llm_inference_stack.errors import ValuesError

BASE = ROOT / "values.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(*files: Path, sets: tuple[str, ...] = ()) -> str:
    with pytest.raises(ValuesError) as caught:
        load_values(list(files), sets=sets)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_overlay_merges_maps_and_replaces_lists(tmp_path: Path) -> None:
    overlay = write(
        tmp_path,
        "prod.yaml",
        "model:\n  runtime:\n    gpuCount: 4\n    tolerations: []\n    env: {EXTRA: '1'}\n"
        "gateway:\n  rateLimit: {tokensPerSecond: 50}\n",
    )
    base = load_values(BASE)
    config = load_values([BASE, overlay])
    model, before = config.models[0], base.models[0]
    assert model.runtime.gpu_count == 4
    assert model.name == before.name and model.storage_uri == before.storage_uri  # kept from the base
    assert model.runtime.tolerations == ()  # a list replaces
    assert dict(model.runtime.env) == {**before.runtime.env, "EXTRA": "1"}  # a map merges
    assert config.gateway.rate_limit is not None and base.gateway.rate_limit is not None
    assert config.gateway.rate_limit.tokens_per_second == 50
    assert config.gateway.rate_limit.tokens_per_minute == base.gateway.rate_limit.tokens_per_minute


def test_null_in_a_later_file_deletes_the_key_and_its_default(tmp_path: Path) -> None:
    overlay = write(tmp_path, "off.yaml", "gateway:\n  rateLimit: null\nobservability:\n  phoenix: null\n")
    config = load_values([BASE, overlay])
    assert config.gateway.rate_limit is None and config.observability.phoenix is None


def test_later_files_win_in_order(tmp_path: Path) -> None:
    two = write(tmp_path, "two.yaml", "model: {runtime: {gpuCount: 2}}\n")
    eight = write(tmp_path, "eight.yaml", "model: {runtime: {gpuCount: 8}}\n")
    assert load_values([BASE, two, eight]).models[0].runtime.gpu_count == 8
    assert load_values([BASE, eight, two]).models[0].runtime.gpu_count == 2


def test_set_values_are_typed_like_yaml() -> None:
    config = load_values(
        BASE,
        sets=(
            "model.runtime.gpuCount=4",
            "model.runtime.gpuMemoryUtilization=0.85",
            "networkPolicy.enabled=false",
            "model.runtime.maxModelLen=null",
            "model.runtime.extraArgs=[--enable-prefix-caching]",
            "model.runtime.env.RETRIES='3'",
            r"commonLabels.team\.example\.com/owner=ml",
        ),
    )
    runtime = config.models[0].runtime
    assert runtime.gpu_count == 4 and runtime.gpu_memory_utilization == 0.85
    assert config.network_policy.enabled is False
    assert runtime.max_model_len is None
    assert runtime.extra_args == ("--enable-prefix-caching",)
    assert runtime.env["RETRIES"] == "3"
    assert config.common_labels == {"team.example.com/owner": "ml"}


def test_set_applies_after_every_file(tmp_path: Path) -> None:
    overlay = write(tmp_path, "prod.yaml", "model: {runtime: {gpuCount: 8}}\n")
    assert load_values([BASE, overlay], sets=("model.runtime.gpuCount=1",)).models[0].runtime.gpu_count == 1


def test_set_with_a_list_index_changes_one_item_of_the_list() -> None:
    fleet = ROOT / "tests" / "data" / "fleet-20.yaml"
    before = load_values(fleet).models
    after = load_values(fleet, sets=("models[1].runtime.gpuCount=4",)).models
    assert after[1].runtime.gpu_count == 4 and after[1].name == before[1].name
    assert after[0] == before[0] and after[2:] == before[2:]


def test_set_one_past_the_end_adds_an_item() -> None:
    config = load_values(
        BASE,
        sets=("model.runtime.tolerations=[{key: gpu, operator: Exists}]", "model.runtime.tolerations[1].key=spot"),
    )
    assert [t.key for t in config.models[0].runtime.tolerations] == ["gpu", "spot"]


def test_fails_when_set_index_skips_items() -> None:
    message = error_of(BASE, sets=("model.runtime.extraArgs=[--a]", "model.runtime.extraArgs[3]=--b"))
    assert message.startswith("model.runtime.extraArgs[3]: missing: ")
    assert "change an item (model.runtime.extraArgs[0] to model.runtime.extraArgs[0])" in message
    assert "add one at model.runtime.extraArgs[1]" in message
    assert message.endswith("(from --set model.runtime.extraArgs[3])")


def test_fails_when_set_key_is_unknown_with_the_field_path_error() -> None:
    message = error_of(BASE, sets=("model.runtime.gpuCont=4",))
    assert message.startswith("model.runtime.gpuCont: 4 is not valid: unknown key; did you mean 'gpuCount'?")
    assert message.endswith("(from --set model.runtime.gpuCont)")


def test_fails_when_set_value_has_the_wrong_type() -> None:
    message = error_of(BASE, sets=("model.runtime.gpuCount=four",))
    assert message.startswith("model.runtime.gpuCount: 'four' is not valid: use an integer")
    assert message.endswith("(from --set model.runtime.gpuCount)")


def test_fails_when_an_overlay_value_is_bad_naming_the_file_and_line(tmp_path: Path) -> None:
    overlay = write(tmp_path, "prod.yaml", "# production\nmodel:\n  runtime:\n    gpuCount: 0\n")
    message = error_of(BASE, overlay)
    assert message.startswith("model.runtime.gpuCount: 0 is not valid: use an integer from 1 to 16")
    assert message.endswith(f"(from {overlay}, line 4)")


def test_fails_when_a_base_value_is_bad_naming_the_base_not_the_overlay(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", BASE.read_text().replace("gpuCount: 2", "gpuCount: 99"))
    overlay = write(tmp_path, "prod.yaml", "model:\n  runtime:\n    maxModelLen: 4096\n")
    line = next(i for i, text in enumerate(base.read_text().splitlines(), 1) if "gpuCount: 99" in text)
    assert error_of(base, overlay).endswith(f"(from {base}, line {line})")


def test_fails_on_a_duplicate_key_in_an_overlay_naming_the_file(tmp_path: Path) -> None:
    overlay = write(tmp_path, "prod.yaml", "model:\n  name: a\n  name: b\n")
    message = error_of(BASE, overlay)
    assert message.startswith("model.name: 'name' is not valid: duplicate key 'name', at lines 2 and 3")
    assert message.endswith(f"(from {overlay})")


def test_fails_when_an_overlay_is_not_a_mapping(tmp_path: Path) -> None:
    overlay = write(tmp_path, "prod.yaml", "- a\n- b\n")
    message = error_of(BASE, overlay)
    assert message.startswith(
        "(top level): ['a', 'b'] is not valid: the values file must be a YAML mapping, not a list"
    )
    assert message.endswith(f"(from {overlay})")


def test_fails_when_an_overlay_is_missing_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / ("a-long-directory-name-" * 4) / "absent.yaml"
    message = error_of(BASE, missing)
    assert message.startswith("(file): ") and "is not valid: cannot use the values file" in message
    assert message.endswith(f"(from {missing})")  # named in full, however long


def test_fails_when_an_overlay_is_a_fifo(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in error_of(BASE, fifo)


def test_fails_when_a_set_value_holds_a_control_character() -> None:
    message = error_of(BASE, sets=('model.name="llama\\x85"',))
    assert message.startswith("model.name: ")
    assert "U+0085" in message and message.endswith("(from --set model.name)")
    assert "U+0001" in error_of(BASE, sets=("model.name=a\x01b",))


def test_fails_when_a_set_path_holds_a_control_character() -> None:
    assert "U+2028" in error_of(BASE, sets=("model.na\u2028me=x",))


def test_fails_when_a_set_value_is_nested_too_deep() -> None:
    message = error_of(BASE, sets=("model.runtime.env.A=" + "[" * 40 + "]" * 40,))
    assert message.startswith("model.runtime.env.A: ") and "nested deeper than" in message


def test_fails_when_a_set_value_has_duplicate_keys() -> None:
    message = error_of(BASE, sets=("model.runtime.env={A: '1', A: '2'}",))
    assert "duplicate key 'A'" in message and message.endswith("(from --set model.runtime.env)")


@pytest.mark.parametrize("flag", ["model.runtime.gpuCount", "=4", "a..b=1", "a.=1", "[0]=1", "a[x]=1", "a[0]b=1"])
def test_fails_when_set_is_not_path_equals_value(flag: str) -> None:
    message = error_of(BASE, sets=(flag,))
    assert message.startswith("--set: ") and "use --set <path>=<value>" in message


def test_fails_when_a_set_secret_is_bad_without_showing_it() -> None:
    message = error_of(BASE, sets=("apiKeys.dummyKey=[sk-very-secret",))
    assert "sk-very-secret" not in message and message.startswith("apiKeys.dummyKey: (hidden")
    assert "sk-very-secret" not in error_of(BASE, sets=("apiKeys..dummyKey=sk-very-secret",))


def test_single_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    values = write(tmp_path, "values.yaml", BASE.read_text().replace("gpuCount: 2", "gpuCount: 0"))
    line = next(i for i, text in enumerate(values.read_text().splitlines(), 1) if "gpuCount: 0" in text)
    assert error_of(values).endswith(f"(from {values}, line {line})")


def test_fails_without_any_values_file() -> None:
    assert error_of().startswith("--values: missing: give at least one values file")


def test_set_changes_only_its_own_field_when_an_alias_shares_the_mapping(tmp_path: Path) -> None:
    shared = write(
        tmp_path,
        "shared.yaml",
        "model:\n  name: m\n  storageUri: s3://b/m\n  runtime:\n    nodeSelector: &pool {pool: gpu}\n"
        "commonLabels: *pool\n",
    )
    config = load_values(shared, sets=("commonLabels.pool=other",))
    assert config.common_labels == {"pool": "other"}
    assert config.models[0].runtime.node_selector == {"pool": "gpu"}
