"""The model store of ``llm-stack verify``: an S3-compatible server (moto's server mode, PyPI ``moto[server]``) in the
sandbox, holding the tiny model's files under each ``s3://bucket/prefix/`` the served InferenceServices name, and
the credentials KServe reads for it, made the way KServe documents them for an S3-compatible store: a Secret
annotated ``serving.kserve.io/s3-endpoint``, ``s3-usehttps: "0"`` ... with ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, listed under the ``secrets`` of the model Pods' ServiceAccount. KServe's credential
builder turns that into the storage initializer's env (``S3_ENDPOINT``, ``AWS_ENDPOINT_URL``, ``S3_USE_HTTPS``,
the keys from the Secret); the storage initializer (real ``kserve-storage``) then downloads from here.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from llm_inference_stack.pins import INSTALL_MARKER, MOTO_VERSION, cache_root

from ..base.errors import HarnessError, InstallsMissing
from ..base.processes import ManagedProcess, base_env
from ..base.substitutions import register
from .kube import JsonDict
from .pods import HOST_ADDRESS

PORT = 9000
ENDPOINT = f"{HOST_ADDRESS}:{PORT}"
"""Where the Pods reach the store: the sandbox's address on the Pod bridge."""
SECRET_NAME = "llm-stack-verify-s3"
ACCESS_KEY_ID = "verify-access-key"
SECRET_ACCESS_KEY = "verify-secret-key"  # moto accepts any key; nothing leaves the sandbox
REGION = "us-east-1"
S3_ANNOTATION_PREFIX = "serving.kserve.io"
"""KServe's credential builder reads a Secret's ``<prefix>/s3-endpoint``, ``s3-usehttps``, ... (pkg/credentials/s3)."""

SUBSTITUTIONS = register("model store", (
    (f"the model store is moto[server]=={MOTO_VERSION} (S3 API) in the sandbox at {ENDPOINT}, holding the tiny "
     "model (a 2-layer random Llama built on this machine) under each served storageUri's bucket and prefix (or "
     "those --weights-at names)", "no S3 or real weights here; the storage initializer and vLLM run on real files"),
    (f"the S3 credentials are the Secret {SECRET_NAME} (annotated serving.kserve.io/s3-endpoint, s3-usehttps: 0, "
     "s3-verifyssl: 0, s3-region) listed under the secrets of the model Pods' stand-in ServiceAccount",
     "the cluster's own credentials (IRSA, a Secret) are made beside the stack, not by it"),
))  # fmt: skip


class ModelStoreError(HarnessError):
    """The S3-compatible server could not be started or filled."""


def moto_venv(root: Path | None = None) -> Path:
    venv = (root or cache_root()) / f"moto-{MOTO_VERSION}"
    if not (venv / INSTALL_MARKER).is_file():
        raise InstallsMissing(f"{venv} (no {INSTALL_MARKER}): run scripts/e2e/install.sh moto")
    return venv


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix/`` -> (bucket, prefix)."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise ModelStoreError(f"{uri!r} is not an s3://bucket/prefix URI")
    return parts.netloc, parts.path.lstrip("/")


def s3_storage_uris(objects: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(namespace, InferenceService, uri) of every s3:// storage URI of the objects' InferenceServices."""
    found = []
    for obj in objects:
        if obj.get("kind") != "InferenceService":
            continue
        predictor = (obj.get("spec") or {}).get("predictor") or {}
        uris = [u.get("uri") for u in predictor.get("storageUris") or []]
        uris += [(predictor.get("model") or {}).get("storageUri")]
        metadata = obj.get("metadata") or {}
        found += [
            (str(metadata.get("namespace")), str(metadata.get("name")), str(u))
            for u in uris
            if isinstance(u, str) and u.startswith("s3://")
        ]
    return found


def credentials_secret(namespace: str) -> JsonDict:
    """The Secret KServe's docs ask for an S3-compatible store (its annotations name the endpoint)."""
    prefix = S3_ANNOTATION_PREFIX
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": namespace,
            "annotations": {
                f"{prefix}/s3-endpoint": ENDPOINT,
                f"{prefix}/s3-usehttps": "0",
                f"{prefix}/s3-verifyssl": "0",
                f"{prefix}/s3-region": REGION,
            },
        },
        "type": "Opaque",
        "stringData": {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY},
    }


_PUT = """
import json, pathlib, sys
import boto3
job = json.loads(sys.stdin.read())
s3 = boto3.client("s3", endpoint_url=job["endpoint"], region_name=job["region"],
                  aws_access_key_id=job["key"], aws_secret_access_key=job["secret"])
have = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
for bucket, prefix, directory in job["puts"]:
    if bucket not in have:
        s3.create_bucket(Bucket=bucket)
        have.add(bucket)
    root = pathlib.Path(directory)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        name = path.relative_to(root).as_posix()
        s3.upload_file(str(path), bucket, prefix.rstrip("/") + "/" + name if prefix else name)
"""


class ModelStore:
    """moto's server on ``0.0.0.0:PORT`` of the sandbox (its loopback and the Pod bridge); :meth:`put` fills it."""

    def __init__(self, venv: Path, work_dir: Path) -> None:
        self.venv = venv
        self.work_dir = work_dir
        self.process: ManagedProcess | None = None
        self.held: set[tuple[str, str]] = set()

    @property
    def local_endpoint(self) -> str:
        return f"http://127.0.0.1:{PORT}"

    def start(self, timeout_s: float = 60.0) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.process = ManagedProcess(
            "moto-server",
            [str(self.venv / "bin" / "moto_server"), "-H", "0.0.0.0", "-p", str(PORT)],  # the sandbox only
            env=base_env() | {"HOME": str(self.work_dir)},
            log_path=self.work_dir / "moto-server.log",
            cwd=self.work_dir,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.exit_code() is not None:
                raise ModelStoreError(f"moto_server exited:\n{self.process.log_tail(20)}")
            try:
                with urllib.request.urlopen(f"{self.local_endpoint}/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise ModelStoreError(f"moto_server did not answer on port {PORT}:\n{self.process.log_tail(20)}")

    def put(self, uri: str, model_dir: Path) -> None:
        """The files of ``model_dir`` under ``uri``'s bucket and prefix (once per URI)."""
        bucket, prefix = split_s3_uri(uri)
        if (bucket, prefix) in self.held:
            return
        job = {
            "endpoint": self.local_endpoint, "region": REGION, "key": ACCESS_KEY_ID, "secret": SECRET_ACCESS_KEY,
            "puts": [[bucket, prefix, str(model_dir)]],
        }  # fmt: skip
        result = subprocess.run(
            [str(self.venv / "bin" / "python"), "-I", "-c", _PUT],
            input=json.dumps(job), capture_output=True, text=True, check=False, timeout=300, env=base_env(),
        )  # fmt: skip
        if result.returncode != 0:
            raise ModelStoreError(f"putting the model under {uri}: {result.stderr.strip()[-1500:]}")
        self.held.add((bucket, prefix))

    def close(self) -> None:
        if self.process is not None:
            self.process.stop(grace_s=5.0)
            self.process = None


__all__ = ["ENDPOINT", "SECRET_NAME", "SUBSTITUTIONS", "ModelStore", "ModelStoreError", "credentials_secret"]
