"""A seeded shared-prefix chat workload (the shape of inference-perf's ``shared_prefix`` data): many sessions, each
a long system prompt of its own followed by short user turns, every turn sent with the whole system prompt again.

A router that sends a session's turns to the replica that served its first turn finds the system prompt in that
replica's prefix cache; one that spreads them computes it again on each replica it reaches. The words are those the
tiny model's tokenizer was trained on, so a word is about one token (the token counts vLLM reports are what count).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import LoadProfileError

WORDS = (
    "the", "a", "model", "server", "queue", "request", "token", "replica", "scale", "metric", "gateway", "trace",
    "span", "prompt", "answer", "user", "assistant", "system", "cluster", "node", "pod", "port", "route", "limit",
    "key", "budget", "latency", "tensor", "cache", "memory", "engine", "batch", "wait",
)  # fmt: skip
#: Each number of the workload and its bounds (the tiny model holds 512 tokens: prompt and answer fit in it).
BOUNDS = {
    "sessions": (1, 200),
    "turns": (1, 50),
    "system_words": (1, 400),
    "turn_words": (1, 60),
    "output_tokens": (1, 32),
    "concurrency": (1, 16),
    "seed": (0, 2**31 - 1),
}
JSON_KEYS = {"sessions": "sessions", "turns": "turns", "system_words": "systemWords", "turn_words": "turnWords",
             "output_tokens": "outputTokens", "concurrency": "concurrency", "seed": "seed"}  # fmt: skip
MAX_PROMPT_WORDS = 440
"""The system prompt and a turn together, in words: below the tiny model's 512 tokens with the answer."""


class WorkloadError(LoadProfileError):
    """A workload setting out of its bounds (the message names it, its value and the bounds)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SharedPrefixWorkload:
    sessions: int = 8
    """Sessions, each with a system prompt of its own."""
    turns: int = 6
    """User turns per session, each sent with the whole system prompt."""
    system_words: int = 320
    """Words of each session's system prompt (the shared prefix)."""
    turn_words: int = 12
    """Words of each user turn."""
    output_tokens: int = 4
    """Tokens each answer generates (prefill dominates)."""
    concurrency: int = 1
    """Sessions in flight at once, each sending its turns in order (1: one session after the other)."""
    seed: int = 20261204

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise WorkloadError(f"workload.{JSON_KEYS[name]}", value, f"an integer from {low} to {high}")
        if self.system_words + self.turn_words > MAX_PROMPT_WORDS:
            raise WorkloadError(
                "workload.systemWords + turnWords",
                self.system_words + self.turn_words,
                f"at most {MAX_PROMPT_WORDS} words (the tiny model holds 512 tokens): shorten the prompt or the turns",
            )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SharedPrefixWorkload:
        fields = {json_key: name for name, json_key in JSON_KEYS.items()}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise WorkloadError(f"workload.{unknown[0]}", data[unknown[0]], f"a key of {', '.join(fields)}")
        return cls(**{fields[key]: value for key, value in data.items()})

    def to_json(self) -> dict[str, int]:
        return {JSON_KEYS[name]: value for name, value in dataclasses.asdict(self).items()}

    def system_prompt(self, session: int) -> str:
        rng = random.Random(f"{self.seed}/system/{session}")
        return f"Session {session}. " + " ".join(rng.choice(WORDS) for _ in range(self.system_words))

    def turn(self, session: int, turn: int) -> str:
        rng = random.Random(f"{self.seed}/turn/{session}/{turn}")
        return " ".join(rng.choice(WORDS) for _ in range(self.turn_words)) + "?"

    def messages(self, session: int, turn: int) -> list[dict[str, str]]:
        """The chat messages of one request: the session's system prompt, then the turn."""
        return [
            {"role": "system", "content": self.system_prompt(session)},
            {"role": "user", "content": self.turn(session, turn)},
        ]

    def requests(self) -> Iterator[tuple[int, int, list[dict[str, str]]]]:
        """``(session, turn, messages)`` session by session, turn by turn: the order a check sends them in."""
        for session in range(self.sessions):
            for turn in range(self.turns):
                yield session, turn, self.messages(session, turn)

    def interleaved(self) -> list[tuple[int, int, list[dict[str, str]]]]:
        """Every request, the sessions' turns shuffled together (seeded) with each session's turns in order: many
        users at once, as a benchmark sends them."""
        queues = {s: [(s, t, self.messages(s, t)) for t in range(self.turns)] for s in range(self.sessions)}
        rng = random.Random(f"{self.seed}/order")
        out = []
        while queues:
            session = rng.choice(sorted(queues))
            out.append(queues[session].pop(0))
            if not queues[session]:
                del queues[session]
        return out


__all__ = ["SharedPrefixWorkload", "WorkloadError"]
