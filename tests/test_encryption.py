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


def _decrypted(monkeypatch) -> list[str]:
    """Every value decrypted from here on (the field calls ``crypto.decrypt``)."""
    seen: list[str] = []
    real = crypto.decrypt

    def counting(token):
        value = real(token)
        seen.append(value)
        return value

    monkeypatch.setattr(crypto, "decrypt", counting)
    return seen


def test_lists_leave_the_encrypted_fields_they_do_not_show_unread(world, monkeypatch):
    from django.test import Client

    person = world.places["own"].recipient
    seen = _decrypted(monkeypatch)
    client = Client()
    client.force_login(world.actors["social_worker"])
    visits = client.get("/work/visits/")
    assert visits.status_code == 200 and visits.context["rows"]
    assert seen == []  # a visit's person is listed by name: nothing decrypted
    people = client.get("/people/")
    assert people.status_code == 200
    listed = [row[0] for row in people.context["rows"]]
    assert person in listed
    # the people list shows the ID number and the phone, masked: only those are read
    assert person.id_number in seen and person.phone in seen
    assert not {person.address, person.health_notes} & set(seen) - {""}
    assert len(seen) <= 2 * len(listed)


def test_secret_paths_follow_the_joined_relations():
    from shegong.core.restrict import secret_paths
    from shegong.work.models import HomeVisit

    qs = HomeVisit.objects.select_related("region", "recipient", "household__head")
    paths = secret_paths(HomeVisit, qs.query.select_related)
    assert {"recipient__phone", "recipient__id_number", "household__address"} <= set(paths)
    assert "household__head__guardian_phone" in paths
    assert not [p for p in paths if p.startswith("region")]
    # a person read on their own keeps what ``keep`` names
    kept = Recipient.objects.all().without_secrets(keep=("phone",))
    assert kept.query.deferred_loading == (
        frozenset({"id_number", "address", "health_notes", "guardian_phone"}),
        True,
    )


def test_recording_work_for_a_person_decrypts_nothing_of_theirs(world, monkeypatch):
    """A visit, an activity or a case names a person: writing one (its checks, its facts,
    its audit entry read back from the database) never decrypts their ID number, phone,
    address or health notes, nor a visited household's address or head."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from shegong.audit.models import AuditEntry
    from shegong.work import services

    from .factories import HouseholdFactory

    own = world.places["own"]
    worker = own.worker
    person = own.recipient
    household = HouseholdFactory(region_id=own.village, address="老屋1号", head=person)
    day = timezone.localdate() - datetime.timedelta(days=1)
    seen = _decrypted(monkeypatch)
    visit = services.visit_record(
        by=worker,
        data=services.VisitInput(
            date=day,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal("1"),
            situation="入户了解情况",
            recipient=person.pk,
            household=household.pk,
        ),
    )
    activity = services.activity_record(
        by=worker,
        data=services.ActivityInput(
            title="重阳敬老",
            domain="elderly",
            service_type="care",
            date=day,
            region=own.village,
            workers=(worker.pk,),
            hours=Decimal("1"),
            participants_count=1,
            participants=(person.pk,),
        ),
    )
    case = services.case_open(
        by=worker,
        data=services.CaseOpenInput(
            recipient=person.pk, opened_on=day, source="outreach", presenting_problem="独居"
        ),
    )
    assert seen == []
    # the log still names the person as the database holds the record
    entry = AuditEntry.objects.get(action="shegong.visit.created", object_id=str(visit.pk))
    assert entry.data["recipient"] == person.name
    assert activity.participants.get() == person and case.recipient_id == person.pk
    # and a person read in full still decrypts (the counting is not blind)
    assert Recipient.objects.get(pk=person.pk).id_number in seen
