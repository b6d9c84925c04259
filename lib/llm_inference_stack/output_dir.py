"""The output directory: written all at once, and never over anything synth did not write.

Synth marks its output with ``OUTPUT_MARKER``, a file listing what it wrote. It replaces only a directory so
marked and holding nothing else, or an empty one; anything else (a project directory, a regular file, a
directory with a ``kustomization.yaml`` added by hand, a symbolic link) is refused with ``OutputError``.
The new output is built in a sibling directory and renamed into place with SIGINT and SIGTERM deferred.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError
from .safe_yaml import YamlInputError, read_bounded

OUTPUT_MARKER = ".llm-stack-output"
"""The file synth writes into its output directory: a header line, then one line per file it wrote."""
_MARKER_HEADER = (
    "# Written by `llm-stack synth`, which replaces this directory on every run. It refuses to replace a\n"
    "# directory holding any file not listed below: keep your own files elsewhere.\n"
)
_MARKER_MAX_BYTES = 1 << 16


def output_path(out_dir: str | Path) -> Path:
    """``out_dir`` absolute, ``..`` and symbolic links of its parents resolved, its last component kept as is
    (so a symbolic link there is seen, not followed)."""
    out = Path(os.path.normpath(os.path.abspath(out_dir)))
    return Path(os.path.realpath(out.parent)) / out.name if out.parent != out else out


def check_output_dir(out_dir: str | Path) -> None:
    """Raise ``OutputError`` unless synth may write ``out_dir``: absent, empty, or its own earlier output."""
    previous_output(output_path(out_dir))


def previous_output(out: Path) -> list[str] | None:
    """What synth wrote into ``out`` before (``[]`` when ``out`` is empty, None when it does not exist);
    ``OutputError`` when ``out`` may not be replaced."""
    hint = "choose a new or empty directory for --out"
    cwd = Path(os.path.realpath(Path.cwd()))
    if out == cwd or out in cwd.parents or out.parent == out:
        raise OutputError(f"--out {out}: is the current directory or one of its parents: {hint}")
    try:
        mode = out.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(f"--out {out}: cannot inspect it ({error.strerror}): {hint}") from None
    if stat.S_ISLNK(mode):
        raise OutputError(f"--out {out}: is a symbolic link; synth replaces the directory itself: {hint}")
    if not stat.S_ISDIR(mode):
        raise OutputError(f"--out {out}: exists and is not a directory (synth never replaces a file): {hint}")
    try:
        names = sorted(os.listdir(out))
    except OSError as error:
        raise OutputError(f"--out {out}: cannot list it ({error.strerror}): {hint}") from None
    if not names:
        return []
    if OUTPUT_MARKER not in names:
        raise OutputError(
            f"--out {out}: is not empty and holds no {OUTPUT_MARKER}, so synth did not write it and will not "
            f"replace it: {hint} (if it holds only manifests of an earlier version, delete it yourself)"
        )
    written = _read_marker(out / OUTPUT_MARKER)
    foreign = [path for name in names if name != OUTPUT_MARKER for path in _foreign(out, name, set(written))]
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise OutputError(
            f"--out {out}: holds {foreign[0]!r}{more}, which synth did not write; replacing the directory would "
            f"delete it: move it elsewhere or {hint}"
        )
    return written


def _foreign(out: Path, name: str, written: set[str]) -> list[str]:
    """The paths at and under ``name`` (relative to ``out``) that synth did not write: a regular file it listed is its
    own, and so is a directory holding only its own files (a Helm chart's ``templates/``)."""
    try:
        mode = (out / name).lstat().st_mode
    except OSError:
        return [name]
    if stat.S_ISREG(mode):
        return [] if name in written else [name]
    if not stat.S_ISDIR(mode) or not any(w.startswith(f"{name}/") for w in written):
        return [name]
    try:
        entries = sorted(os.listdir(out / name))
    except OSError:
        return [name]
    return [path for entry in entries for path in _foreign(out, f"{name}/{entry}", written)]


def _read_marker(marker: Path) -> list[str]:
    try:
        text = read_bounded(marker, _MARKER_MAX_BYTES).decode("utf-8")
    except (YamlInputError, UnicodeDecodeError):
        raise OutputError(f"--out {marker.parent}: {OUTPUT_MARKER} is not one synth wrote; leaving it alone") from None
    if not text.startswith(_MARKER_HEADER):
        raise OutputError(f"--out {marker.parent}: {OUTPUT_MARKER} is not one synth wrote; leaving it alone")
    return [line for line in text[len(_MARKER_HEADER) :].splitlines() if _relative_name(line)]


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and name not in (".", "..") and not name.startswith("#")


def _relative_name(name: str) -> bool:
    """A path the marker may list: plain names joined by ``/`` (``templates/00-namespace-x.yaml`` of a Helm chart)."""
    return not name.startswith("#") and all(_plain_name(part) for part in name.split("/"))


def write_marker(staging: Path, files: list[Path]) -> None:
    names = [f.as_posix() for f in files]
    if not all(_relative_name(n) for n in names):  # pragma: no cover - synth writes relative paths of plain names
        raise OutputError(f"synth wrote paths {names}; the output marker lists relative paths of plain names only")
    (staging / OUTPUT_MARKER).write_text(_MARKER_HEADER + "".join(f"{n}\n" for n in names), encoding="utf-8")


def make_parents(parent: Path) -> list[Path]:
    """Create ``parent`` and its missing ancestors; returns those created, outermost first."""
    missing: list[Path] = []
    node = parent
    while not node.exists() and node.parent != node:
        missing.append(node)
        node = node.parent
    created: list[Path] = []
    try:
        for directory in reversed(missing):
            directory.mkdir()
            created.append(directory)
    except OSError as error:
        remove_empty(created)
        raise OutputError(f"--out: cannot create {directory} ({error.strerror})") from None
    return created


def remove_empty(created: list[Path]) -> None:
    for directory in reversed(created):
        with contextlib.suppress(OSError):
            directory.rmdir()


def make_dir_beside(out: Path, kind: str) -> Path:
    """A new directory next to ``out``, with the permissions a plain ``mkdir`` gives (``mkdtemp`` gives 0700)."""
    for _attempt in range(100):
        candidate = out.parent / f".{out.name}.{kind}-{secrets.token_hex(4)}"
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"--out {out}: cannot create a directory beside it ({error.strerror})") from None
        return candidate
    raise OutputError(f"--out {out}: cannot create a directory beside it")  # pragma: no cover


def remove_tree(root: Path) -> None:
    """Remove a staging directory synth created (only ever its own)."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    with contextlib.suppress(OSError):
        root.rmdir()


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is over, so the swap is never left half-done."""
    wanted = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def swap_in(staging: Path, out: Path) -> None:
    with _signals_deferred():
        written = previous_output(out)  # again: the directory may have changed while synthesizing
        if written is None:
            os.rename(staging, out)
            return
        os.chmod(staging, stat.S_IMODE(out.stat().st_mode))
        old = make_dir_beside(out, "old")
        os.rename(out, old)  # onto the empty directory just made: atomic
        try:
            os.rename(staging, out)
        except BaseException:
            os.rename(old, out)
            raise
        # Only what synth wrote (checked above) is removed; anything that appeared meanwhile stays in `old`.
        for name in [*written, OUTPUT_MARKER]:
            with contextlib.suppress(OSError):
                (old / name).unlink()
        for directory in _directories_of(written):
            with contextlib.suppress(OSError):
                (old / directory).rmdir()
        with contextlib.suppress(OSError):
            old.rmdir()


def _directories_of(written: list[str]) -> list[str]:
    """The directories of the paths ``written``, deepest first."""
    directories = {"/".join(name.split("/")[:cut]) for name in written for cut in range(1, name.count("/") + 1)}
    return sorted(directories, key=lambda d: (-d.count("/"), d))
