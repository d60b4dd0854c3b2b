"""The package format (``shegong-exchange``, version 1) and its signature.

A package file is JSON (optionally the same JSON as ``package.json`` inside a ZIP)::

    {"format": "shegong-exchange", "version": 1,
     "package": {...what is sent...},
     "signature": {"algorithm": "Ed25519", "key": "<key id>", "value": "<base64>"}}

The signature is over the package's canonical bytes: ``package`` as JSON with sorted keys,
no spaces, UTF-8 (``canonical``). The key id is the first 16 hex digits of the SHA-256 of
the raw 32-byte public key. The JSON Schema is ``schema/package-1.schema.json``; every
package made or received is checked against it. docs/exchange.md describes the fields.
"""

import base64
import hashlib
import io
import json
import zipfile
from functools import cache
from pathlib import Path

import jsonschema
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

FORMAT = "shegong-exchange"
VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schema" / "package-1.schema.json"
MAX_BYTES = 200 * 1024 * 1024  # a package, unzipped


class PackageError(Exception):
    """A package that cannot be read, does not match the schema, or is not signed right."""


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


def canonical(package: dict) -> bytes:
    """The bytes that are signed and hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(package, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_text(public: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes: what a peer is told."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise PackageError(_("This is not an Ed25519 public key (32 bytes, base64).")) from exc


def new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key() -> Ed25519PrivateKey:
    """This deployment's signing key, from the PEM file ``SHEGONG_EXCHANGE_KEY``."""
    path = getattr(settings, "SHEGONG_EXCHANGE_KEY", "")
    if not path:
        raise ImproperlyConfigured(
            "SHEGONG_EXCHANGE_KEY is not set: make a key with `manage.py exchange_key`."
        )
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key.")
    return key


def sign(package: dict, key: Ed25519PrivateKey) -> dict:
    """The signed envelope of ``package``, checked against the schema."""
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "package": package,
        "signature": {
            "algorithm": "Ed25519",
            "key": key_id(key.public_key()),
            "value": base64.b64encode(key.sign(canonical(package))).decode(),
        },
    }
    check_schema(envelope)
    return envelope


def verify(envelope: dict, public: Ed25519PublicKey) -> None:
    try:
        public.verify(
            base64.b64decode(envelope["signature"]["value"]), canonical(envelope["package"])
        )
    except (InvalidSignature, ValueError) as exc:
        raise PackageError(
            _(
                "The signature does not match: the package was changed after it was signed, or "
                "another key signed it."
            )
        ) from exc


def check_schema(envelope: dict) -> None:
    errors = sorted(
        jsonschema.Draft202012Validator(schema()).iter_errors(envelope), key=lambda e: e.path
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(package)"
        raise PackageError(
            _("The package does not follow the format (%(where)s): %(message)s")
            % {"where": where, "message": first.message[:200]}
        )


def dump(envelope: dict, *, zipped: bool = False) -> bytes:
    data = json.dumps(envelope, ensure_ascii=False, indent=1).encode()
    if not zipped:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.json", data)
    return out.getvalue()


def load(data: bytes) -> dict:
    """The envelope in ``data`` (JSON, or a ZIP holding ``package.json``), schema-checked."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo("package.json")
                if info.file_size > MAX_BYTES:
                    raise PackageError(_("The package is too large."))
                data = archive.read(info)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise PackageError(_("The ZIP file holds no package.json.")) from exc
    try:
        envelope = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(_("This file is not a Shegong data package (JSON).")) from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise PackageError(_("This file is not a Shegong data package (JSON)."))
    if envelope.get("version") != VERSION:
        raise PackageError(
            _("Package version %(v)s is not known here (this deployment reads version %(ours)s).")
            % {"v": str(envelope.get("version"))[:10], "ours": VERSION}
        )
    check_schema(envelope)
    return envelope


def digest(envelope: dict) -> str:
    """The SHA-256 of the package's canonical bytes: the same package has the same digest
    whatever its file looked like (zipped or not, indented or not)."""
    return hashlib.sha256(canonical(envelope["package"])).hexdigest()
