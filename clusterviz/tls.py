"""The certificate authority and serving certificate of the HTTPS endpoint.

kubectl sends bearer tokens only over TLS (kube-api-wire.md §0.1), so the API is served
on HTTPS too. Both certificates are generated at first start and kept in the data
directory; kubeconfigs embed the CA so kubectl verifies the server without
``--insecure-skip-tls-verify``.
"""
from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Certificates:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _san(hosts: list[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def ensure_certificates(directory: Path, hosts: list[str]) -> Certificates:
    """Create the CA and a serving certificate for ``hosts`` unless they already exist
    (a serving certificate missing one of ``hosts`` is re-issued from the same CA, for the
    names it had and ``hosts``: a class on the LAN address keeps the loopback one valid)."""
    directory.mkdir(parents=True, exist_ok=True)
    certs = Certificates(directory / "ca.crt", directory / "apiserver.crt", directory / "apiserver.key")
    ca_key_path = directory / "ca.key"
    now = datetime.datetime.now(datetime.timezone.utc)
    if not certs.ca_cert.exists() or not ca_key_path.exists():
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clusterviz-ca")])
        ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
              .not_valid_after(now + datetime.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False,
                                           data_encipherment=False, key_agreement=False, encipher_only=False,
                                           decipher_only=False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        _write_key(ca_key_path, ca_key)
        certs.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        certs.server_cert.unlink(missing_ok=True)
    names = list(_san(hosts))
    if certs.server_cert.exists():
        current = x509.load_pem_x509_certificate(certs.server_cert.read_bytes())
        have = list(current.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        if set(have) >= set(names) and current.not_valid_after_utc > now + datetime.timedelta(days=30):
            return certs
        # keep the names it had: kubeconfigs handed out for another address still verify
        names = list(dict.fromkeys(have + names))
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    ca = x509.load_pem_x509_certificate(certs.ca_cert.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_key(certs.server_key, key)
    certs.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return certs


def default_hosts(public_host: str) -> list[str]:
    return [public_host, "localhost", "127.0.0.1", "::1"]
