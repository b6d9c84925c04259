"""``_cdk8s_yaml``: what it writes is what cdk8s's own writer (``cdk8s.Yaml.stringify``) writes, byte for byte."""

from __future__ import annotations

import random
from typing import Any

import cdk8s
import pytest
import yaml
from helpers import ROOT, synth_objects, with_changes

from llm_inference_stack._cdk8s_yaml import dump_document

ATOMS = (
    "",
    " ",
    "a",
    "A",
    "0",
    "1",
    "-",
    "?",
    ":",
    "#",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    '"',
    "%",
    "@",
    "`",
    ",",
    "[",
    "]",
    "{",
    "}",
    "y",
    "Y",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "null",
    "~",
    "NULL",
    "0b1",
    "0o7",
    "07",
    "0x1F",
    "1_0",
    ".5",
    "1.",
    "1e3",
    "1E-3",
    ".inf",
    "-.Inf",
    ".nan",
    "1:20",
    "1:20.5",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10",
    "<<",
    "=",
    "---",
    "...",
    "\\",
    "/",
    ".",
    "_",
    "x y",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    " x",
    "x ",
    "- x",
    "-x",
    "? x",
    "?x",
    "--",
    "-1",
    "+1",
    "$(X)",
    "http://a.b:80/c?d=e&f",
    'sum(x{a="b"}[1m])',
    "it's",
    'say "hi"',
    "both ' and \"",
    "{a}",
    "[a]",
    "a,b",
    "0.9",
    "8080",
    "-0",
    "1_000",
    "\t",
    "\n",
    "a\nb",
    "é",
    "\u2028",
)
"""Pieces of text that YAML writers treat specially: indicators, YAML 1.1 types, quotes, controls."""


def tricky_strings() -> list[str]:
    rnd = random.Random(7)
    strings = set(ATOMS)
    for _ in range(1500):
        strings.add("".join(rnd.choice(ATOMS) for _ in range(rnd.randint(1, 3))))
    return sorted(strings)


def test_every_string_is_written_as_cdk8s_writes_it_or_left_to_it() -> None:
    written = 0
    for text in tricky_strings():
        document = {text: [text, {"x": text}], "value": text}
        mine = dump_document(document)
        if mine is None:
            continue
        assert mine == cdk8s.Yaml.stringify(document), repr(text)
        written += 1
    assert written > len(tricky_strings()) // 2  # most are written here, not left to the kernel


@pytest.mark.parametrize("variant", ["fleet of 20", "standalone gateway"])
def test_the_stacks_documents(variant: str) -> None:
    values: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "fleet-20.yaml").read_text())
    if variant == "standalone gateway":
        values = with_changes(values, {"gateway.mode": "standalone"})
    documents = synth_objects(values)
    mine = [dump_document(d) for d in documents]
    for document, text in zip(documents, mine, strict=True):
        if text is not None:
            assert text == cdk8s.Yaml.stringify(document), document["kind"]
    # Only what has multi-line text (the dashboard, Envoy's configuration) is left to the kernel's writer.
    assert sorted({d["kind"] for d, t in zip(documents, mine, strict=True) if t is None}) == ["ConfigMap"]


def test_numbers_and_booleans() -> None:
    document = {"n": [1, 0, -5, 10**15, 0.5, 0.9, 1.25, -3.5, 123456.789, 1e-4, 0.1 + 0.2, True, False]}
    assert dump_document(document) == cdk8s.Yaml.stringify(document)


@pytest.mark.parametrize(
    "document",
    [{"a": {}}, {"a": []}, {"a": None}, {"a": [[1]]}, {"a": 1e21}, {"a": float("nan")}, {"a": "x\ny"}, {"a": "ü"}, {}],
    ids=repr,
)
def test_what_it_cannot_be_sure_of_is_left_to_the_kernel(document: dict[str, Any]) -> None:
    assert dump_document(document) is None
