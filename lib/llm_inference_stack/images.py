"""Container image references and the one rule for a pinned image: the settings refuse an unpinned image, and
the output checks refuse any container whose image is not pinned, by the same rule. Standard library only."""

from __future__ import annotations

import re

IMAGE_REFERENCE = re.compile(
    r"^(?P<repo>[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::\d+/[a-z0-9._/-]+)?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
"""An image reference as the settings accept it: a lowercase repository (an optional registry port), an optional
tag, an optional sha256 digest."""
_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}$")
_TAG = re.compile(r"^[^@]+:(?P<tag>[\w][\w.-]{0,127})(@.*)?$")


def image_is_pinned(image: str) -> bool:
    """Pinned by a sha256 digest, or by an explicit tag other than ``latest``. The tag is read from the last path
    component, so a registry's port (``registry:5000/vllm``) is no tag."""
    if _DIGEST.search(image):
        return True
    match = _TAG.fullmatch(image.rsplit("/", 1)[-1])
    return match is not None and match.group("tag") != "latest"
