"""Identifiers are ASCII digits, whatever keyboard typed them (finding 5).

An ID number typed with full-width (``４３０３…``) or Arabic-Indic digits was accepted as a
new person beside the same number in ASCII, and stored as typed, so the duplicate check
and the search by the last four digits missed it. One normaliser (NFKC, then ASCII digits
and X only) now serves every ID, phone, code and numeric filter.
"""

import importlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shegong.core import validators
from shegong.people.models import Recipient

from .factories import make_id_number

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def _post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def _person(number, village, **extra):
    return {
        "name": "钱大爷",
        "id_number": number,
        "region": village,
        "consent": "oral",
        "consent_date": "2026-03-01",
        "consent_giver": "self",
        **extra,
    }


def test_a_full_width_id_number_is_the_same_person(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    number = make_id_number("430302", "19480101", 515)
    first = _post(client, "/api/recipients", _person(number, own.village))
    assert first.status_code == 201
    again = _post(client, "/api/recipients", _person(number.translate(FULL_WIDTH), own.village))
    assert again.status_code == 422 and "已登记" in again.json()["errors"]["id_number"][0]
    assert Recipient.objects.filter(name="钱大爷").count() == 1


def test_a_full_width_number_is_stored_in_ascii_and_found_by_its_last_four(client, world):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    number = make_id_number("430302", "19480101", 517)
    typed = number.translate(FULL_WIDTH)
    assert _post(client, "/api/recipients", _person(typed, own.village)).status_code == 201
    person = Recipient.objects.get(name="钱大爷")
    assert person.id_number == number and person.id_last4 == number[-4:]
    for query in (number[-4:], number[-4:].translate(FULL_WIDTH)):
        found = client.get(reverse("people:list"), {"q": query}).context["page"].object_list
        assert person in list(found), query


@pytest.mark.parametrize("table", [ARABIC_INDIC, DEVANAGARI], ids=["arabic-indic", "devanagari"])
def test_digits_of_other_scripts_are_refused(client, world, table):
    own = world.places["own"]
    client.force_login(world.actors["social_worker"])
    number = make_id_number("430302", "19480101", 519)
    response = _post(client, "/api/recipients", _person(number.translate(table), own.village))
    assert response.status_code == 422 and "id_number" in response.json()["errors"]
    phone = _post(
        client,
        "/api/recipients",
        _person("", own.village, phone="13900001111".translate(table)),
    )
    assert phone.status_code == 422 and "phone" in phone.json()["errors"]
    assert not Recipient.objects.filter(name="钱大爷").exists()


@pytest.mark.parametrize(
    "value", ["²", "٤٣٠٣", "४३", "𝟒𝟑", "43\n", " 4 3 ", "4303²", "", "-1", "1.5"]
)
def test_one_normaliser_refuses_what_is_not_ascii_digits(value):
    text = validators.normalize_digits(value)
    if validators.is_ascii_digits(text):
        assert text.isascii() and text.isdigit()
    for check in (validators.validate_phone,):
        if value.strip():
            with pytest.raises(ValidationError):
                check(value)
    with pytest.raises(ValidationError):
        validators.parse_id_number(value + "0" * 14)


def test_full_width_phones_and_credit_codes_are_normalised(client, world):
    client.force_login(world.actors["county_officer"])
    own = world.places["own"]
    agency = own.agency
    data = {
        "name": agency.name,
        "credit_code": agency.credit_code.translate(FULL_WIDTH).lower(),
        "region": agency.region_id,
        "legal_representative": "",
        "contact_person": "",
        "phone": "０７３１－１２３４５６７８",
        "address": "",
        "registered_on": "",
    }
    response = client.post(reverse("stations:agency_edit", args=[agency.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    agency.refresh_from_db()
    assert agency.phone == "0731-12345678" and agency.credit_code.isascii()


def test_the_migration_reports_identifiers_typed_before(world, capsys):
    from django.apps import apps

    from shegong.audit.models import AuditEntry

    own = world.places["own"]
    # what an older release stored: the number as typed
    Recipient.objects.filter(pk=own.recipient.pk).update(
        phone="１３９００００１１１１", id_number=own.recipient.id_number.translate(FULL_WIDTH)
    )
    module = importlib.import_module("shegong.people.migrations.0003_report_non_ascii_identifiers")
    module.report(apps, None)
    out = capsys.readouterr().out
    assert f"people.Recipient:{own.recipient.pk}:id_number" in out
    assert f"people.Recipient:{own.recipient.pk}:phone" in out
    entry = AuditEntry.objects.get(action="shegong.migration.non_ascii_identifiers")
    assert entry.data["count"] == 2
