from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from shegong.core import crypto
from shegong.people.models import Recipient


def _raw(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM people_recipient WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_rotation_re_encrypts_under_the_new_key(world, settings):
    derived = crypto.field_keys()[0]  # what the world was written with
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    person = world.places["own"].recipient
    number = person.id_number
    settings.SHEGONG_FIELD_KEYS = [old, derived]
    person.save()
    token_old = _raw(person.pk)
    assert (
        number not in token_old
        and Fernet(old.encode()).decrypt(token_old.encode()).decode() == number
    )

    settings.SHEGONG_FIELD_KEYS = [new, old, derived]
    call_command("rotate_field_keys", stdout=StringIO())
    token_new = _raw(person.pk)
    assert Fernet(new.encode()).decrypt(token_new.encode()).decode() == number

    settings.SHEGONG_FIELD_KEYS = [new]  # the old keys are gone: every row still reads
    assert Recipient.objects.get(pk=person.pk).id_number == number
    assert all(p.id_number for p in Recipient.objects.all())


def test_keyed_hash_finds_without_revealing(world):
    person = world.places["own"].recipient
    assert Recipient.objects.get(id_hash=crypto.keyed_hash(person.id_number)) == person
    assert person.id_number not in person.id_hash


def test_masks():
    assert crypto.mask_id_number("430102199001011234") == "430102********1234"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_text("anything") == "******" and crypto.mask_text("") == ""
