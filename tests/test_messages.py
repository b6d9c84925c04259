"""Messages in the user's language: values spelled as YAML spells them, the source of a value as the user gave
it (a file line, or the ``--set`` flag), and values read from standard input with ``-f -`` as Helm does."""

from __future__ import annotations

import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from llm_inference_stack import load_values
from llm_inference_stack.errors import PropError, ValuesError
from llm_inference_stack.redaction import HIDDEN, show, yaml_kind, yaml_text

VALUES = ROOT / "values.yaml"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (2.5, "2.5"),
        (float("inf"), ".inf"),
        (float("-inf"), "-.inf"),
        (float("nan"), ".nan"),
        (datetime.date(2024, 1, 1), "2024-01-01"),
        (datetime.datetime(2024, 1, 1, 10, 30, tzinfo=datetime.UTC), "2024-01-01T10:30:00+00:00"),
        ("text", "'text'"),
        ("it's", "'it''s'"),
        ("a\nb\x00\u2028", '"a\\nb\\0\\u2028"'),
        ([1, None, "a"], "[1, null, 'a']"),
        ((True,), "[true]"),
        ({"k": None, "d": datetime.date(2024, 2, 29)}, "{'k': null, 'd': 2024-02-29}"),
    ],
)
def test_values_are_shown_as_yaml_spells_them(value: object, text: str) -> None:
    assert yaml_text(value) == text
    assert show(value) == text


def test_null_and_booleans_are_never_hidden_even_under_a_secret_looking_field() -> None:
    assert show(None, "apiKeys.dummyKey") == "null"
    assert show(False, "apiKeys.dummyKey") == "false"
    assert show("abc", "apiKeys.dummyKey") == HIDDEN


def test_kinds_are_named_as_yaml_names_them() -> None:
    assert [yaml_kind(v) for v in ([], {}, "s", 1, 1.5, True, None, datetime.date(2024, 1, 1))] == [
        "a list",
        "a mapping",
        "a string",
        "an integer",
        "a number",
        "a boolean",
        "null",
        "a date",
    ]


def test_prop_errors_show_values_as_yaml_and_hide_what_looks_secret() -> None:
    assert "(null)" in str(PropError("ModelServer", "min_replicas", None, "use an integer"))
    assert "('phoenix-key')" in str(PropError("Gateway", "tracing.auth_secret_name", "phoenix-key", "remove it"))
    assert f"({HIDDEN})" in str(PropError("ApiKeys", "dummy_key", "test-key-0123456789", "remove it"))


def test_a_flag_that_empties_a_block_is_named_not_the_file_line_of_the_block() -> None:
    with pytest.raises(ValuesError) as caught:
        load_values(VALUES, sets=["apiKeys.existingSecret=false"])
    message = str(caught.value)
    assert message.startswith("apiKeys.dummyKey: null is not valid: with existingSecret: false, set dummyKey")
    assert message.endswith("(from --set apiKeys.existingSecret)")


def _line_of(text: str) -> int:
    """The 1-based line of values.yaml that is ``text``."""
    return VALUES.read_text().splitlines().index(text) + 1


def test_a_check_across_fields_names_the_flag_that_changed_the_other_field() -> None:
    with pytest.raises(ValuesError) as caught:
        load_values(VALUES, sets=["autoscaling.minReplicas=10"])
    line = _line_of("  maxReplicas: 4")
    assert str(caught.value).endswith(
        f"use a value >= minReplicas (10) (from {VALUES}, line {line}, with --set autoscaling.minReplicas)"
    )


def test_a_check_across_fields_names_the_overlay_that_changed_the_other_field(tmp_path: Path) -> None:
    overlay = tmp_path / "prod.yaml"
    overlay.write_text("autoscaling:\n  pollingInterval: 30\n  minReplicas: 10\n")
    with pytest.raises(ValuesError) as caught:
        load_values([VALUES, overlay])
    assert str(caught.value).endswith(f"(from {VALUES}, line {_line_of('  maxReplicas: 4')}, with {overlay}, line 3)")


def test_a_check_across_blocks_names_the_flag_that_changed_the_other_block(tmp_path: Path) -> None:
    values = tmp_path / "v.yaml"
    values.write_text(VALUES.read_text().replace("  phoenix:\n", "  phoenix:\n    authSecretName: phoenix-key\n", 1))
    with pytest.raises(ValuesError) as caught:
        load_values(values, sets=["apiKeys.secretName=phoenix-key", "gateway.replicas=3"])
    message = str(caught.value)
    assert message.startswith("observability.phoenix.authSecretName: 'phoenix-key' is not valid: this is also apiKeys")
    assert message.endswith(", with --set apiKeys.secretName)") and "gateway.replicas" not in message


def test_a_flag_value_is_shown_as_yaml_with_the_flag_as_its_source() -> None:
    with pytest.raises(ValuesError) as caught:
        load_values(VALUES, sets=["gateway.replicas=2024-01-01"])
    assert (
        str(caught.value) == "gateway.replicas: 2024-01-01 is not valid: use an integer (from --set gateway.replicas)"
    )


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes, *, tty: bool = False) -> None:
    stream = io.BytesIO(data)
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))


def test_dash_reads_the_values_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, VALUES.read_bytes().replace(b"gpuCount: 2", b"gpuCount: 4"))
    config = load_values("-")
    assert config.models[0].runtime.gpu_count == 4


def test_dash_merges_with_files_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"gateway:\n  replicas: 3\n")
    assert load_values([VALUES, "-"]).gateway.replicas == 3


def test_an_error_in_standard_input_names_stdin_and_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, VALUES.read_bytes().replace(b"gpuCount: 2", b"gpuCount: 0"))
    with pytest.raises(ValuesError, match=r"model\.runtime\.gpuCount: 0 is not valid: .* \(from stdin, line \d+\)$"):
        load_values("-")


@pytest.mark.parametrize(
    ("data", "tty", "message"),
    [
        (b"a: " + b"x" * (1 << 20), False, "larger than 1 MiB, the most that is read"),
        (b"", True, "standard input is a terminal: pipe the values in"),
        (b"\x00\x01", False, "the values file is binary"),
        (b"- a\n", False, "must be a YAML mapping, not a list"),
    ],
    ids=["too-large", "terminal", "binary", "not-a-mapping"],
)
def test_standard_input_is_read_with_the_bounds_of_a_file(
    monkeypatch: pytest.MonkeyPatch, data: bytes, tty: bool, message: str
) -> None:
    _stdin(monkeypatch, data, tty=tty)
    with pytest.raises(ValuesError, match=message) as caught:
        load_values("-")
    assert "stdin" in str(caught.value)


def test_no_standard_input_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(ValuesError, match=r"there is no standard input to read \(-f -\): pass a values file"):
        load_values("-")


def test_a_pipe_given_as_a_file_points_to_dash(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "values.fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValuesError, match=r"not a regular file .*: pass a YAML file \(standard input: -f -\)"):
        load_values(fifo)


def test_standard_input_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"gateway: {replicas: 3}\n")
    with pytest.raises(ValuesError, match="standard input can be read once: give -f - at most once"):
        load_values(["-", VALUES, "-"])


def test_synth_help_documents_dash_for_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli_help()
    out = " ".join(capsys.readouterr().out.split())
    assert "values file (YAML), or - to read it from standard input (at most 1 MiB)" in out


def run_cli_help() -> None:
    from llm_inference_stack.cli import main

    main(["synth", "--help"])


def test_console_script_reads_values_piped_into_dash_f(tmp_path: Path) -> None:
    llm_stack = Path(sys.executable).parent / "llm-stack"
    data = VALUES.read_bytes().replace(b"gpuCount: 2", b"gpuCount: 0")
    result = subprocess.run(
        [str(llm_stack), "synth", "-f", "-", "--out", str(tmp_path / "out")],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert b"model.runtime.gpuCount: 0 is not valid" in result.stderr and b"(from stdin, line" in result.stderr
    assert not (tmp_path / "out").exists()


def test_diff_reads_dash_f_too(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, VALUES.read_bytes())
    result = run_cli("diff", "-f", "-", "--out", str(ROOT / "dist"), env={"LLM_STACK_VLLM_CHECK": "never"})
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stderr
