"""Certificates for the local control plane, made at run time with the ``openssl`` command.

One throw-away CA signs a loopback serving certificate (kube-apiserver and every controller's webhook or gRPC
server), an admin client certificate (``O=system:masters``), and the service-account signing key. Everything is
written under one directory that is removed with the control plane.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from llm_inference_stack.facts import ai_gateway, envoy_gateway, keda, kserve

from ..base.errors import HarnessError

# Names a serving certificate must cover: loopback, plus the in-cluster names clients of the controllers use.
SERVING_DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    envoy_gateway.SERVICE_NAME,
    f"{envoy_gateway.SERVICE_NAME}.{envoy_gateway.NAMESPACE}",
    f"{envoy_gateway.SERVICE_NAME}.{envoy_gateway.NAMESPACE}.svc",
    f"{envoy_gateway.SERVICE_NAME}.{envoy_gateway.NAMESPACE}.svc.cluster.local",
    f"ai-gateway-controller.{ai_gateway.NAMESPACE}.svc",
    f"ai-gateway-controller.{ai_gateway.NAMESPACE}.svc.cluster.local",
    f"keda-operator.{keda.NAMESPACE}.svc",
    f"keda-operator-metrics-apiserver.{keda.NAMESPACE}.svc",  # the metrics adapter, as the aggregation layer calls it
    f"kserve-webhook-server-service.{kserve.NAMESPACE}.svc",
)


class PkiError(HarnessError):
    """openssl is missing or failed."""


@dataclasses.dataclass(frozen=True)
class Pki:
    """Paths of the files :func:`make_pki` wrote."""

    directory: Path
    ca_cert: Path
    ca_key: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path
    service_account_key: Path
    service_account_pub: Path

    def client_certificate(self, name: str, subject: str) -> tuple[Path, Path]:
        """A client certificate (and its key) signed by the CA for ``subject`` (``/CN=user/O=group``), as the
        control-plane components' kubeconfigs carry them (kubeadm's ``controller-manager.conf``, ``scheduler.conf``)."""
        return _signed(
            name,
            subject,
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
            (self.ca_cert, self.ca_key),
            self.directory,
        )

    def install_tls_dir(self, target: Path, *, ca_name: str = "ca.crt") -> Path:
        """Copy ``tls.crt``, ``tls.key`` and the CA into ``target`` (the layout controllers read)."""
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.serving_cert, target / "tls.crt")
        shutil.copyfile(self.serving_key, target / "tls.key")
        shutil.copyfile(self.ca_cert, target / ca_name)
        return target


def _openssl(*args: str, cwd: Path) -> None:
    if shutil.which("openssl") is None:
        raise PkiError("the openssl command is needed to make the control plane's certificates: install openssl")
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PkiError(f"openssl {' '.join(args[:2])} failed: {result.stderr.strip()[-500:]}")


def _ec_key(path: Path, cwd: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path), cwd=cwd)


def _signed(name: str, subject: str, extensions: str, ca: tuple[Path, Path], cwd: Path) -> tuple[Path, Path]:
    key, csr, cert, ext = (cwd / f"{name}.{suffix}" for suffix in ("key", "csr", "crt", "ext"))
    _ec_key(key, cwd)
    _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr), cwd=cwd)
    ext.write_text(extensions)
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
        "-days", "2", "-extfile", str(ext), "-out", str(cert), cwd=cwd,
    )  # fmt: skip
    return cert, key


def make_pki(directory: Path, *, extra_ips: tuple[str, ...] = ()) -> Pki:
    """Create a CA, a loopback serving certificate, an admin client certificate and a service-account key."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = directory / "ca.key", directory / "ca.crt"
    _ec_key(ca_key, directory)
    _openssl(
        "req", "-x509", "-new", "-key", str(ca_key), "-subj", "/CN=llm-stack-verify-ca", "-days", "2",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", str(ca_cert), cwd=directory,
    )  # fmt: skip
    ips = ("127.0.0.1", "10.96.0.1", *extra_ips)
    sans = ",".join([*(f"IP:{ip}" for ip in ips), *(f"DNS:{name}" for name in SERVING_DNS_NAMES)])
    serving_cert, serving_key = _signed(
        "serving",
        "/CN=localhost",
        f"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        f"extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName={sans}\n",
        (ca_cert, ca_key),
        directory,
    )
    admin_cert, admin_key = _signed(
        "admin",
        "/O=system:masters/CN=llm-stack-verify-admin",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
        (ca_cert, ca_key),
        directory,
    )
    sa_key, sa_pub = directory / "service-account.key", directory / "service-account.pub"
    _ec_key(sa_key, directory)
    _openssl("pkey", "-in", str(sa_key), "-pubout", "-out", str(sa_pub), cwd=directory)
    return Pki(
        directory=directory,
        ca_cert=ca_cert,
        ca_key=ca_key,
        serving_cert=serving_cert,
        serving_key=serving_key,
        admin_cert=admin_cert,
        admin_key=admin_key,
        service_account_key=sa_key,
        service_account_pub=sa_pub,
    )
