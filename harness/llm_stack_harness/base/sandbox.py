"""Run a command in its own network, mount and PID namespaces, with a private ``/certs``.

Some controllers bind fixed ports on every interface (Envoy Gateway's xDS server on ``0.0.0.0:18000``, KServe's
webhook on ``:9443``) and read certificates from the fixed path ``/certs`` (Envoy Gateway). Inside the sandbox:

- the network has only its own loopback, so nothing is reachable from outside and no port collides with the
  machine's;
- the file system is the machine's (every directory bind-mounted at the same path), plus empty private
  directories (:data:`PRIVATE_DIRS`: ``/certs``, the in-cluster service-account directory) that live on the
  sandbox's own tmpfs; nothing is written to the machine's file system;
- the command is PID 1 of a new PID namespace: when it exits, the kernel ends every process left in it.

Root uses the namespaces directly; other users get them through a user namespace (``unshare -r``) where the
kernel allows it. :func:`sandbox_argv` says how to start a command inside, :func:`enter` is the code that runs
first inside it.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from llm_inference_stack.facts import inference_extension, kserve

from .errors import HarnessError

SANDBOX_ENV = "LLM_STACK_SANDBOX"
ROOT_ENV = "LLM_STACK_SANDBOX_ROOT"  # an empty directory the caller made (and removes): the new root's mount point
# Empty, writable, private directories: Envoy Gateway's certificates, and the in-cluster client configuration
# (service-account token and CA) of controllers that only run in-cluster; and the fixed mount paths of the Pods the
# data path runs (.pods mounts their volumes there, each container in its own mount namespace): Envoy's SDS files
# and projected token (Envoy Gateway), the external processor's socket directory and filter configuration (the AI
# Gateway's pod mutator; Envoy learns the socket path over xDS), the rate-limit service's statsd mapping, the
# endpoint picker's EndpointPickerConfig.
PRIVATE_DIRS = (
    "/certs",
    "/var/run/secrets/kubernetes.io/serviceaccount",
    "/sds",
    "/var/run/secrets/token",
    "/etc/ai-gateway-extproc-uds",
    "/etc/filter-config",
    "/etc/statsd-exporter",
    inference_extension.CONFIG_MOUNT_PATH,
    kserve.MODEL_MOUNT_PATH,  # where KServe's storage initializer writes the weights (kserve-provision-location)
)


class SandboxError(HarnessError):
    """The namespaces could not be created or set up."""


def inside() -> bool:
    return os.environ.get(SANDBOX_ENV) == "1"


def sandbox_argv(module: str, args: Sequence[str]) -> list[str]:
    """argv that runs ``module.main(args)`` inside a fresh sandbox (set :data:`ROOT_ENV` in its environment)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SandboxError("the unshare command (util-linux) is needed to isolate the control plane")
    userns = [] if os.geteuid() == 0 else ["--map-root-user"]
    return [
        unshare, *userns, "--mount", "--net", "--pid", "--fork", "--kill-child",
        sys.executable, "-m", "llm_stack_harness.base.sandbox", module, *args,
    ]  # fmt: skip


def wait_for_own_network(pid: int, timeout_s: float = 10.0) -> None:
    """Wait until process ``pid`` (started as ``unshare --net ...``) is in a network namespace of its own: before
    that, a link moved into "its" namespace would land in ours."""
    deadline = time.monotonic() + timeout_s
    while os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net"):
        if time.monotonic() > deadline:
            raise SandboxError(f"process {pid} did not enter a network namespace of its own")
        time.sleep(0.05)


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SandboxError(f"mount {' '.join(args)} failed: {result.stderr.strip()}")


def _loopback_up() -> None:
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, siocgifflags, request)[:18])[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))


def _resolve_existing(path: str) -> Path:
    """``path`` with its existing prefix resolved (``/var/run/...`` -> ``/run/...``); the rest kept as written."""
    parts = Path(path).parts
    for cut in range(len(parts), 0, -1):
        prefix = Path(*parts[:cut])
        if prefix.exists():
            return prefix.resolve().joinpath(*parts[cut:])
    return Path(path)


def _populate(target: Path, source: Path, private: set[Path]) -> None:
    """Make ``target`` (on the sandbox's tmpfs) show ``source``: bind-mount each entry, except that the ancestors
    of a private path are re-created here entry by entry, and the private paths themselves stay empty tmpfs
    directories. Nothing is created in the machine's file system."""
    for entry in sorted(source.iterdir()):
        here = target / entry.name
        if entry in private:
            here.mkdir()
        elif any(entry in p.parents for p in private) and entry.is_dir() and not entry.is_symlink():
            here.mkdir()
            _populate(here, entry, private)
        elif entry.is_symlink():
            here.symlink_to(os.readlink(entry))
        elif entry.is_dir():
            here.mkdir()
            if entry == Path("/proc"):
                _mount("-t", "proc", "proc", str(here))  # the PIDs of this namespace
            else:
                _mount("--rbind", str(entry), str(here))
        elif source != Path("/"):
            here.touch()
            _mount("--bind", str(entry), str(here))
    for path in private:  # private paths whose next directory does not exist on the machine
        if source in path.parents:
            first = source / path.relative_to(source).parts[0]
            if not first.exists():
                (target / path.relative_to(source)).mkdir(parents=True, exist_ok=True)


def enter() -> None:
    """Inside fresh namespaces (as PID 1): build the new root, chroot into it, bring loopback up."""
    cwd = os.getcwd()
    _mount("--make-rprivate", "/")
    root = Path(os.environ.get(ROOT_ENV) or tempfile.mkdtemp(prefix="llm-stack-sandbox-"))
    _mount("-t", "tmpfs", "-o", "mode=0755", "sandbox-root", str(root))
    _populate(root, Path("/"), {_resolve_existing(p) for p in PRIVATE_DIRS})
    os.chroot(root)
    os.chdir(cwd)
    _loopback_up()
    os.environ[SANDBOX_ENV] = "1"


def main(argv: Sequence[str]) -> int:
    try:
        enter()
    except (SandboxError, OSError) as error:
        print(f"llm-stack: cannot isolate the control plane: {error}", file=sys.stderr)
        return 3
    module = importlib.import_module(argv[0])
    return int(module.main(list(argv[1:])))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
