from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from shegong.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of SHEGONG_FIELD_KEYS. "
        "用当前密钥重新加密所有敏感字段。Put the new key first, run this, then drop the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, **opts):
        for model in apps.get_models():
            fields = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            ]
            if not fields:
                continue
            done = 0
            pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), opts["batch"]):
                with transaction.atomic():
                    # Reading decrypts with any key; saving encrypts with the first.
                    rows = list(
                        model._base_manager.filter(pk__in=pks[start : start + opts["batch"]]).only(
                            "pk", *fields
                        )
                    )
                    model._base_manager.bulk_update(rows, fields)
                    done += len(rows)
            self.stdout.write(
                f"{model._meta.label}: {done} rows re-encrypted ({', '.join(fields)})"
            )
