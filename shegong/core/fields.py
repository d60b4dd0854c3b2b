from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet); Python sees plaintext, the database never does.

    Not searchable or orderable in SQL: pair it with a keyed hash field for lookups.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"encrypted fields cannot be searched with '{lookup_name}'")
        return super().get_lookup(lookup_name)
