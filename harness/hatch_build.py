"""The harness's dependencies: those of ``[tool.hatch.metadata.hooks.custom]`` in pyproject.toml, and the library
at the harness's own version (both come from the repository's release tags), so the harness runs the library it
tests."""

from __future__ import annotations

from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


class SameReleaseHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        metadata["dependencies"] = [f"llm-inference-stack=={metadata['version']}", *self.config["dependencies"]]
