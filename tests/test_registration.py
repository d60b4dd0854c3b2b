"""Issue #12, part 6: professionals register online and keep their profile; the county
checks the certificate against its scan; officers read the registry with counts."""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shegong.audit.models import AuditEntry
from shegong.core.validators import validate_certificate_no
from shegong.workforce.models import SocialWorkerProfile

from .conftest import ROLES
from .factories import PNG

# a list row's link to its account: the registry's rows in the order shown
ROW = re.compile(r'<tr><td data-label="[^"]*"><a href="/accounts/users/(\d+)/">')


@pytest.mark.parametrize("number", ["2019430000123456", "20084300", "2021B4301A000012"])
def test_a_certificate_number_of_the_right_format(number):
    validate_certificate_no(number)


@pytest.mark.parametrize(
    "number", ["S123", "1999430000123456", "2019-4300", "２０１９４３００００", "2019"]
)
def test_a_certificate_number_of_the_wrong_format(number):
    with pytest.raises(ValidationError):
        validate_certificate_no(number)


def _register(client, **over):
    data = {
        "education": "bachelor",
        "major": "社会工作",
        "social_work_major": "on",
        "qualification": "assistant",
        "certificate_no": "2021430000123456",
        "certificate_date": "2021-06-20",
        "scan": SimpleUploadedFile("c.png", PNG, content_type="image/png"),
        **over,
    }
    return client.post(reverse("workforce:registration"), data)


def test_a_worker_registers_and_the_county_verifies(client, world):
    worker = world.places["own"].worker
    client.force_login(worker)
    assert client.get(reverse("workforce:registration")).status_code == 200
    bad = _register(client, certificate_no="S123")
    assert bad.status_code == 200 and "2008" in bad.content.decode()
    no_scan = _register(client, scan="")
    assert no_scan.status_code == 200
    assert SocialWorkerProfile.objects.get(user=worker).certificate_status == ""
    assert _register(client).status_code == 302
    profile = SocialWorkerProfile.objects.get(user=worker)
    assert profile.certificate_status == "submitted" and profile.certificate_scan_kind == "png"
    client.force_login(world.actors["city_officer"])  # reads, does not review
    client.post(reverse("workforce:certificate_decide", args=[worker.pk]), {"verify": "1"})
    profile.refresh_from_db()
    assert profile.certificate_status == "submitted"
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("accounts:user_detail", args=[worker.pk])).content.decode()
    assert 'data-testid="certificate-review"' in page
    scan = client.get(reverse("workforce:certificate_scan", args=[worker.pk]))
    assert scan.status_code == 200 and scan["Content-Type"] == "image/png"
    client.post(reverse("workforce:certificate_decide", args=[worker.pk]), {"note": ""})
    profile.refresh_from_db()
    assert profile.certificate_status == "submitted"  # a return needs its reason
    client.post(reverse("workforce:certificate_decide", args=[worker.pk]), {"verify": "1"})
    profile.refresh_from_db()
    assert profile.certificate_status == "verified"
    assert AuditEntry.objects.filter(action="shegong.certificate.verified").count() == 1
    # changing the number sends it back for review
    client.force_login(worker)
    _register(client, certificate_no="2022430000999999", scan=SimpleUploadedFile("d.png", PNG))
    profile.refresh_from_db()
    assert profile.certificate_status == "submitted"


def test_the_registry_counts_by_qualification(client, world):
    own = world.places["own"]
    for user, qualification in ((own.worker, "assistant"), (own.lead, "social_worker")):
        profile = SocialWorkerProfile.objects.get(user=user)
        profile.qualification = qualification
        profile.certificate_no, profile.certificate_status = "2020430000000001", "verified"
        profile.save()
    client.force_login(world.actors["county_officer"])
    page = client.get(reverse("workforce:registry"))
    body = page.content.decode()
    profiles = SocialWorkerProfile.objects.filter(
        user__scope_region__code__startswith="430302",
        user__is_active=True,
        user__role__in=["social_worker", "station_lead"],
    )
    assert page.status_code == 200
    assert f"{profiles.count()} 名已登记" in body
    assert "助理社会工作师 (助理社会工作师) 1" in body or "助理社会工作师 1" in body
    assert world.places["neighbour"].worker.display_name not in body
    only = client.get(
        reverse("workforce:registry"), {"qualification": "social_worker"}
    ).content.decode()
    assert own.lead.display_name in only and own.worker.display_name not in only


def test_the_registry_puts_certificates_awaiting_review_first(client, world):
    """Awaiting review first, then everyone by place and name, whatever their review
    (before: a reverse sort of the status, which put the verified before the waiting)."""
    from shegong.workforce.selectors import registry

    from .factories import ProfileFactory, UserFactory

    station = world.places["own"].station
    for name in ("王五", "赵六"):
        ProfileFactory(user=UserFactory(full_name=name, role="social_worker", station=station))
    officer = world.actors["county_officer"]
    profiles = list(registry(user=officer))
    assert len(profiles) >= 4
    waiting, verified = profiles[-1], profiles[0]
    SocialWorkerProfile.objects.filter(pk=verified.pk).update(certificate_status="verified")
    SocialWorkerProfile.objects.filter(pk=waiting.pk).update(certificate_status="submitted")
    got = list(registry(user=officer))
    assert got[0].pk == waiting.pk
    rest = [(p.user.scope_region_id, p.user.full_name) for p in got[1:]]
    assert rest == sorted(rest)
    client.force_login(officer)
    body = client.get(reverse("workforce:registry")).content.decode()
    first = body.index(waiting.user.display_name)
    assert all(first < body.index(p.user.display_name) for p in got[1:])


def test_the_registry_keeps_its_order_from_page_to_page_and_in_the_export(client, world, settings):
    """With pages of 2, the pages read in turn give every professional once: those
    awaiting review first, then the rest, each by place and name; the export lists them
    in the same order (each part is read off the index in its order, not sorted whole)."""
    from shegong.workforce.selectors import registered, registry

    from .factories import ProfileFactory, UserFactory

    settings.SHEGONG_PAGE_SIZE = 2
    station = world.places["own"].station
    for n, status in enumerate(["submitted", "verified", "submitted", "", "submitted"]):
        ProfileFactory(
            user=UserFactory(full_name=f"登记{n}", role="social_worker", station=station),
            certificate_status=status,
        )
    officer = world.actors["county_officer"]
    everyone = list(registered(user=officer))
    key = lambda p: (p.user.scope_region_id, p.user.full_name, p.user_id)  # noqa: E731
    expected = sorted(
        (p for p in everyone if p.certificate_status == "submitted"), key=key
    ) + sorted((p for p in everyone if p.certificate_status != "submitted"), key=key)
    assert [p.pk for p in registry(user=officer)] == [p.pk for p in expected]
    client.force_login(officer)
    shown = []
    for page in range(1, len(expected) // 2 + 2):
        body = client.get(reverse("workforce:registry"), {"page": page}).content.decode()
        shown += [int(pk) for pk in ROW.findall(body)]
    assert shown == [p.user_id for p in expected]
    exported = client.get(reverse("workforce:registry"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))[2:]
    assert [row[0] for row in rows] == [p.user.display_name for p in expected]


@pytest.mark.parametrize("role", ROLES)
def test_who_registers_and_who_reads_the_registry(client, world, role):
    client.force_login(world.actors[role])
    me = client.get(reverse("workforce:registration")).status_code
    registry = client.get(reverse("workforce:registry")).status_code
    assert me == (200 if role in ("social_worker", "station_lead") else 403)
    assert registry == (
        200 if role in ("county_officer", "city_officer", "province_officer") else 403
    )


# every URL of registration, by role (tests/test_access_matrix.py counts them covered)
URLS = {
    "workforce:registration",
    "workforce:registry",
    "workforce:certificate_decide",
    "workforce:certificate_scan",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_scan_and_the_review_by_role(client, world, role):
    worker = world.places["own"].worker
    client.force_login(worker)
    assert _register(client).status_code == 302
    actor = worker if role == "social_worker" else world.actors[role]
    profile = SocialWorkerProfile.objects.get(user=worker)
    visible = SocialWorkerProfile.objects.restrict(actor).filter(pk=profile.pk).exists()
    changes = SocialWorkerProfile.objects.restrict(actor, "change").filter(pk=profile.pk).exists()
    client.force_login(actor)
    scan = client.get(reverse("workforce:certificate_scan", args=[worker.pk])).status_code
    assert scan == (200 if visible and (changes or actor == worker) else 404)
    decided = client.post(
        reverse("workforce:certificate_decide", args=[worker.pk]), {"verify": "1"}
    ).status_code
    if not visible:
        assert decided == 404
    elif role == "county_officer":
        assert decided == 302
    else:
        assert decided == 403
    profile.refresh_from_db()
    assert (profile.certificate_status == "verified") == (role == "county_officer")


def test_an_officer_sees_the_profiles_of_the_accounts_the_officer_sees(world):
    """An officer's profiles are read on the joined account's region (no subquery): the
    same rows as the accounts the officer may see, in the officer's region and elsewhere
    (every actor of the world has an account, most a profile)."""
    from shegong.accounts.models import User
    from shegong.accounts.roles import OFFICER_ROLES, Role

    from .factories import ProfileFactory

    for account in User.objects.filter(worker_profile__isnull=True, role__in=OFFICER_ROLES):
        ProfileFactory(user=account)  # an officer's own profile is the officer's to see
    assert SocialWorkerProfile.objects.count() > 4
    for role in OFFICER_ROLES:
        officer = world.actors[role]
        seen = set(SocialWorkerProfile.objects.restrict(officer).values_list("pk", flat=True))
        accounts = User.objects.restrict(officer).values("pk")
        expected = set(
            SocialWorkerProfile.objects.filter(user__in=accounts).values_list("pk", flat=True)
        )
        assert seen == expected and officer.worker_profile.pk in seen, role
        if role == Role.COUNTY_OFFICER:  # the world has more than one county
            assert seen < set(SocialWorkerProfile.objects.values_list("pk", flat=True))
