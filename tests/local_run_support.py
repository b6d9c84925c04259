"""Running ``llm-stack local-run`` as a user does, for the end-to-end and control-plane tests: the console script in a
child process, with its own ``TMPDIR`` so the test can see that its temporary work directory is gone afterwards."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AWKWARD_VALUES = ROOT / "tests" / "e2e" / "values-local-run.yaml"
"""Two models with capitals and dots in their names, release and namespaces other than the defaults, small budgets."""
E2E_VALUES = ROOT / "tests" / "e2e" / "values-e2e.yaml"
_CHECK = re.compile(r"^(ok  |FAIL) (.+?): ")


def require_local_runtime() -> None:
    """Skip without the local runtime (``make e2e-deps``), except under CI, where it must be there."""
    from llm_inference_stack.localrun import InstallsMissing, locate_installs

    try:
        locate_installs()
    except InstallsMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run llm-stack local-run: {missing}", pytrace=False)
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
    tmp_dir: Path

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

    def leftovers(self) -> list[Path]:
        """What is left in the run's ``TMPDIR``: its work directory held every temporary file, so nothing."""
        return sorted(self.tmp_dir.iterdir())


def local_run_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    return dict(os.environ) | {"TMPDIR": str(tmp_dir)}, tmp_dir


def local_run(args: list[str], tmp_path: Path, timeout_s: float = 1800) -> LocalRunResult:
    """``llm-stack local-run ARGS`` from the project root, to the end."""
    env, tmp_dir = local_run_env(tmp_path)
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
    return LocalRunResult(result.returncode, result.stdout + result.stderr, tmp_dir)
