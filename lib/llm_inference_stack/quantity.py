"""Kubernetes quantities and the limits the stack puts on them: one parser, one rule per use.

The settings accept a quantity where the stack writes one into a resource list (``cpu``, ``memory``,
``ephemeral-storage``, the ``/dev/shm`` size) and Envoy Gateway's stricter form where it writes the gateway's
buffer limit; the standalone gateway and the control-plane checks read the same numbers from here.
Standard library only.
"""

from __future__ import annotations

import re
from decimal import Decimal

QUANTITY = re.compile(r"^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
"""A non-negative Kubernetes quantity as the settings accept it: a decimal number and an optional suffix (no sign,
no exponent: ``500m``, ``4``, ``16Gi``, ``1.5``)."""
QUANTITY_EXAMPLE = "use a Kubernetes quantity such as '500m', '4', '16Gi'"
"""The fix of a value that is not a ``QUANTITY``."""

SUFFIX_FACTOR: dict[str, Decimal] = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
"""The factor of each suffix."""

ENVOY_BUFFER_LIMIT = re.compile(r"^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$")
"""Envoy Gateway v1.9's pattern for ``ClientTrafficPolicy.spec.connection.bufferLimit`` (no decimals, no ``m``)."""
MAX_UINT32 = 2**32 - 1
"""Envoy Gateway translates the buffer limit into a uint32 number of bytes and rejects anything larger; the
standalone gateway writes the same number into Envoy's ``per_connection_buffer_limit_bytes`` (a uint32)."""
BUFFER_LIMIT_FIX = (
    f"use a whole number of bytes with an optional suffix (Ki, Mi, Gi, k, M, G), at most {MAX_UINT32} bytes "
    "(Envoy keeps the limit as a 32-bit number), e.g. '16Mi'"
)
"""The fix of a buffer limit that ``buffer_limit_bytes`` refuses."""


def is_quantity(value: object) -> bool:
    """Whether ``value`` is a string the settings accept as a quantity (``QUANTITY``)."""
    return isinstance(value, str) and QUANTITY.fullmatch(value) is not None


def parse_quantity(value: str) -> Decimal:
    """The numeric value of a quantity (``'500m'`` -> 0.5, ``'1Ki'`` -> 1024); ValueError if it is not one."""
    match = QUANTITY.fullmatch(value)
    if match is None:
        raise ValueError(f"not a quantity: {value!r}")
    return Decimal(match.group(1)) * SUFFIX_FACTOR[match.group(3) or ""]


def buffer_limit_bytes(value: str) -> int | None:
    """A gateway buffer limit in bytes (``'16Mi'`` -> 16777216), or None where Envoy Gateway would refuse it
    (not its pattern, or more than ``MAX_UINT32`` bytes)."""
    if not isinstance(value, str) or ENVOY_BUFFER_LIMIT.fullmatch(value) is None:
        return None
    number = int(parse_quantity(value))
    return number if number <= MAX_UINT32 else None
