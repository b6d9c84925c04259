"""Running ``llm-stack local-run`` as a user does, for the end-to-end and control-plane tests: the console script in a
child process, with a ``TMPDIR`` of its own so the test can see that nothing is left there afterwards.

That ``TMPDIR`` is short (``/tmp/lr.XXXXXXXX``, not below pytest's ``tmp_path``): local-run keeps its children's
temporary files, vLLM's IPC sockets among them, in its work directory only when the path leaves room for a socket
name."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AWKWARD_VALUES = ROOT / "tests" / "e2e" / "values-local-run.yaml"
"""Two models with capitals and dots in their names, release and namespaces other than the defaults, small budgets."""
E2E_VALUES = ROOT / "tests" / "e2e" / "values-e2e.yaml"
_CHECK = re.compile(r"^(ok  |FAIL) (.+?): ")


def require_local_runtime() -> None:
    """Skip without the local runtime (``make e2e-deps``), except under CI, where it must be there."""
    from llm_stack_harness.base import InstallsMissing, locate_installs

    try:
        locate_installs()
    except InstallsMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the tests on the local runtime: {missing}", pytrace=False)
        pytest.skip(str(missing))


def llm_stack() -> str:
    beside = Path(sys.executable).parent / "llm-stack"
    found = str(beside) if beside.exists() else shutil.which("llm-stack")
    assert found is not None, "the llm-stack console script is not installed"
    return found


@dataclasses.dataclass(frozen=True)
class LocalRunResult:
    code: int
    output: str
    leftovers: list[Path]
    """What was left in the run's ``TMPDIR`` after it exited: its work directory held every temporary file."""

    @property
    def checks(self) -> dict[str, bool]:
        """Check name -> passed, from the lines ``ok   NAME: ...`` / ``FAIL NAME: ...``."""
        found = {}
        for line in self.output.splitlines():
            match = _CHECK.match(line)
            if match:
                found[match.group(2)] = match.group(1) == "ok  "
        return found

    @property
    def work_dir(self) -> Path:
        match = re.search(r"logs in (\S+)\)", self.output)
        assert match, self.output[-3000:]
        return Path(match.group(1))


@contextmanager
def local_run_tmpdir() -> Iterator[tuple[dict[str, str], Path]]:
    """The environment of a local-run child with a fresh, short ``TMPDIR``, and that directory (removed after)."""
    tmp_dir = Path(tempfile.mkdtemp(prefix="lr."))
    try:
        yield dict(os.environ) | {"TMPDIR": str(tmp_dir)}, tmp_dir
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def local_run(args: list[str], timeout_s: float = 1800) -> LocalRunResult:
    """``llm-stack local-run ARGS`` from the project root, to the end."""
    with local_run_tmpdir() as (env, tmp_dir):
        result = subprocess.run(
            [llm_stack(), "local-run", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        return LocalRunResult(result.returncode, result.stdout + result.stderr, sorted(tmp_dir.iterdir()))
