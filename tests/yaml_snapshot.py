"""A syrupy extension that stores each snapshot as one readable YAML file."""

from __future__ import annotations

from typing import Any

import yaml
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode


class YamlSnapshotExtension(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "yaml"

    def serialize(self, data: Any, **kwargs: Any) -> str:
        return yaml.safe_dump_all(data, sort_keys=True, default_flow_style=False)
