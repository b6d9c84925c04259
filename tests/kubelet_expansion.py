"""What the kubelet does to a container's strings, written independently of the library for the tests.

A line-by-line port of k8s.io/kubernetes third_party/forked/golang/expansion (``Expand``, ``MappingFuncFor``,
``tryReadVariableName``), on UTF-8 bytes like the Go original, and of how the kubelet applies it: each ``env``
value is expanded against the variables defined before it (plus the service variables), ``valueFrom`` values are
not expanded, and ``command``/``args`` are expanded against the final environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

OPERATOR = ord("$")
REFERENCE_OPENER = ord("(")
REFERENCE_CLOSER = ord(")")


def syntax_wrap(name: bytes) -> bytes:
    return b"$(" + name + b")"


def mapping_func_for(*contexts: Mapping[bytes, bytes]) -> Callable[[bytes], bytes]:
    def mapping(name: bytes) -> bytes:
        for variables in contexts:
            if name in variables:
                return variables[name]
        return syntax_wrap(name)

    return mapping


def _decode_rune(data: bytes) -> tuple[bytes, int]:
    """``utf8.DecodeRuneInString``: the first rune's bytes and size; an invalid byte gives U+FFFD, size 1."""
    lead = data[0]
    size = (
        1
        if lead < 0x80
        else 2
        if lead >> 5 == 0b110
        else 3
        if lead >> 4 == 0b1110
        else 4
        if lead >> 3 == 0b11110
        else 0
    )
    if size == 0 or len(data) < size:
        return "\ufffd".encode(), 1
    try:
        data[:size].decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd".encode(), 1
    return data[:size], size


def try_read_variable_name(data: bytes) -> tuple[bytes, bool, int]:
    rune, size = _decode_rune(data)
    if rune == b"$":
        return data[0:size], False, size
    if rune == b"(":
        for i in range(1, len(data)):
            if data[i] == REFERENCE_CLOSER:
                return data[1:i], True, i + 1
        return b"$(", False, 1
    return b"$" + rune, False, size


def expand(data: bytes, mapping: Callable[[bytes], bytes]) -> bytes:
    buf = bytearray()
    checkpoint = 0
    cursor = 0
    while cursor < len(data):
        if data[cursor] == OPERATOR and cursor + 1 < len(data):
            buf += data[checkpoint:cursor]
            read, is_var, advance = try_read_variable_name(data[cursor + 1 :])
            buf += mapping(read) if is_var else read
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return bytes(buf) + data[checkpoint:]


def run_container(
    container: Mapping[str, Any],
    *,
    secrets: Mapping[tuple[str, str], str] | None = None,
    service_env: Mapping[str, str] | None = None,
) -> tuple[list[str], list[str], dict[str, str]]:
    """``(command, args, env)`` the container's process gets, as the kubelet computes them."""
    service = {k.encode(): v.encode() for k, v in (service_env or {}).items()}
    env: dict[bytes, bytes] = {}
    mapping = mapping_func_for(env, service)
    for item in container.get("env", []):
        name = str(item["name"]).encode()
        if item.get("value"):
            env[name] = expand(str(item["value"]).encode(), mapping)
        elif "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            env[name] = (secrets or {})[(ref["name"], ref["key"])].encode()
        else:
            env[name] = b""
    final = {**service, **env}
    args_mapping = mapping_func_for(final)
    command = [expand(str(c).encode(), args_mapping).decode() for c in container.get("command", [])]
    args = [expand(str(a).encode(), args_mapping).decode() for a in container.get("args", [])]
    return command, args, {k.decode(): v.decode() for k, v in env.items()}
