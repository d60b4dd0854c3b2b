"""Make this deployment's Ed25519 signing key, or print the public key of the one it has."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shegong.exchange import package as fmt


class Command(BaseCommand):
    help = (
        "Write a new Ed25519 signing key to FILE (mode 0600; set SHEGONG_EXCHANGE_KEY to it), "
        "or with --show print the public key of SHEGONG_EXCHANGE_KEY, to give to the peers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write the new private key (PEM)")
        parser.add_argument("--show", action="store_true", help="print the public key only")

    def handle(self, *args, file=None, show=False, **options):
        if show:
            public = fmt.private_key().public_key()
        else:
            if not file:
                raise CommandError("Give the file to write the key to, or --show.")
            path = Path(file)
            if path.exists():
                raise CommandError(f"{path} exists: a key is never overwritten.")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(fmt.new_private_key_pem())
            from cryptography.hazmat.primitives import serialization

            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            public = key.public_key()
            self.stderr.write(f"wrote {path}; set SHEGONG_EXCHANGE_KEY={path.resolve()}")
        self.stdout.write(f"public key: {fmt.public_text(public)}")
        self.stdout.write(f"key id:     {fmt.key_id(public)}")
