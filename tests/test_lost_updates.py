"""Two people editing one record: the second is told, nothing is lost (#10, 4b).

Two people opened the same group's edit form and both saved; the second silently
overwrote the first. Every editable record now has a version; the form carries the
version it was opened at, and a save that finds a newer one is refused with a Chinese
message listing the saved values, with the user's input kept.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shegong.core.fields import EncryptedTextField
from shegong.indicators.models import RuleSet

from .test_purchase_access import add_purchases

# every edit page: (the role that edits, the object, the text field both people change)
EDITS = {
    "stations:edit": ("county_officer", lambda w: w.places["own"].station, "address"),
    "stations:agency_edit": ("county_officer", lambda w: w.places["own"].agency, "address"),
    "accounts:user_edit": ("security_admin", lambda w: w.actors["county_officer"], "full_name"),
    "workforce:profile_edit": (
        "station_lead",
        lambda w: w.places["own"].worker.worker_profile,
        "major",
    ),
    "people:edit": ("social_worker", lambda w: w.places["own"].recipient, "name"),
    # the address is personal: the refusal names it as changed, never shows it
    "people:household_edit": ("social_worker", lambda w: _household(w), "address"),
    "work:group_edit": ("social_worker", lambda w: w.places["own"].group, "name"),
    # corrections (#14, part 3): the station lead corrects a worker's record
    "work:visit_edit": ("station_lead", lambda w: w.places["own"].visit, "situation"),
    "work:activity_edit": ("station_lead", lambda w: w.places["own"].activity, "title"),
    "work:admin_work_edit": ("station_lead", lambda w: _admin_work(w), "description"),
    "work:session_edit": ("station_lead", lambda w: _session(w), "record"),
    "workforce:training_edit": ("station_lead", lambda w: _training(w), "topic"),
    "community:volunteer_edit": ("social_worker", lambda w: _community(w, "volunteer"), "skills"),
    "community:team_edit": ("social_worker", lambda w: _community(w, "team"), "name"),
    "community:event_edit": ("social_worker", lambda w: _community(w, "event"), "title"),
    "community:donor_edit": ("social_worker", lambda w: _community(w, "donor"), "name"),
    "community:donation_edit": ("social_worker", lambda w: _community(w, "donation"), "items"),
    "community:organisation_edit": (
        "social_worker",
        lambda w: _community(w, "organisation"),
        "leader",
    ),
    "purchase:project_edit": (
        "county_officer",
        lambda w: add_purchases(w).places["own"].project,
        "title",
    ),
    "purchase:contract_edit": (
        "county_officer",
        lambda w: add_purchases(w).places["own"].contract,
        "number",
    ),
    "purchase:filing_edit": ("agency_admin", lambda w: _draft_filing(w), "certificate_number"),
    "evaluation:agency_edit": ("county_officer", lambda w: _evaluation(w).ev_agency, "name"),
    "evaluation:round_edit": ("county_officer", lambda w: _evaluation(w).running, "title"),
    "indicators:rule_set_edit": (
        "province_officer",
        lambda w: RuleSet.objects.get(region_code="43", year=2022),
        "title",
    ),
}


def _admin_work(world):
    from shegong.work.models import AdminWork

    own = world.places["own"]
    return AdminWork.objects.create(
        station=own.station,
        region_id=own.township,
        created_by=own.worker,
        worker=own.worker,
        date=own.visit.date,
        task="policy",
        hours=1,
        description="政策宣传",
    )


def _household(world):
    from shegong.people.models import Household, Recipient

    own = world.places["own"]
    household = Household.objects.create(region_id=own.village, address="老屋", head=own.recipient)
    Recipient.objects.filter(pk=own.recipient.pk).update(household=household, relation="head")
    return household


def _session(world):
    from shegong.work.models import GroupSession

    own = world.places["own"]
    return GroupSession.objects.create(
        group=own.group,
        number=1,
        date=own.visit.date,
        hours=1,
        record="第一节",
        created_by=own.worker,
    )


def _training(world):
    from shegong.workforce.models import TrainingRecord

    own = world.places["own"]
    return TrainingRecord.objects.create(
        worker=own.worker,
        created_by=own.worker,
        region_code=own.township,
        kind="training",
        date=own.visit.date,
        hours=2,
        organiser="county",
        topic="伦理",
    )


def _community(world, which: str):
    """One volunteer (a Party member), their team, an event and an organisation."""
    from shegong.community import services

    worker = world.actors["social_worker"]
    own = world.places["own"]
    v = services.volunteer_record(
        by=worker,
        data=services.VolunteerInput(
            name="刘志愿",
            phone="13700001111",
            region=own.village,
            political_status="party",
            consent=True,
        ),
    )
    if which == "volunteer":
        return v
    if which == "team":
        return services.team_record(
            by=worker, data=services.TeamInput(name="党员志愿服务队", kind="party", members=(v.pk,))
        )
    if which == "event":
        return services.event_record(
            by=worker,
            data=services.EventInput(
                title="助老理发", content="上门理发", date=own.visit.date, region=own.village
            ),
        )
    if which in ("donor", "donation"):
        donor = services.donor_record(
            by=worker, data=services.DonorInput(name="爱心企业", kind="enterprise")
        )
        if which == "donor":
            return donor
        return services.donation_record(
            by=worker,
            data=services.DonationInput(
                donor=donor.pk,
                kind="in_kind",
                amount=500,
                items="米面油",
                received_on=own.visit.date,
            ),
        )
    return services.organisation_record(
        by=worker,
        data=services.OrganisationInput(
            name="银龄互助会",
            kind="mutual_aid",
            stage="incubating",
            region=own.village,
            leader="周",
        ),
    )


def _evaluation(world):
    from .test_evaluation_access import add_evaluations

    return add_evaluations(world).places["own"]


def _draft_filing(world):
    filing = add_purchases(world).places["own"].filing
    filing.status = filing.Status.DRAFT
    filing.save()
    return filing


def _edit_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else namespace
            yield from _edit_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name and entry.name.endswith("edit"):
            yield namespace + entry.name


def test_every_edit_page_is_in_the_table():
    assert set(_edit_url_names()) == set(EDITS)


def _url(name, obj):
    pk = obj.user_id if name == "workforce:profile_edit" else obj.pk
    return reverse(name, args=[pk])


def _posted(form) -> dict:
    """What the browser would post back for an unchanged form (its hidden guards included)."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for formset in (getattr(form, "rules", None), getattr(form, "resources", None)):
        if formset is None:
            continue
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value())
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value not in (None, False):
                    data[sub.add_prefix(name)] = "on" if value is True else str(value)
    data["version"] = str(form.version)
    data["idempotency_key"] = form.idempotency_key
    return data


@pytest.mark.parametrize("name", sorted(EDITS))
def test_the_second_of_two_concurrent_edits_is_refused_and_loses_nothing(
    client, world, name, django_user_model
):
    from django.test import Client

    role, get_object, field = EDITS[name]
    obj = get_object(world)
    url = _url(name, obj)
    first, second = client, Client()
    first.force_login(world.actors[role])
    second.force_login(world.actors[role])
    a = _posted(first.get(url).context["form"])
    b = _posted(second.get(url).context["form"])
    a[field], b[field] = "第一人的修改", "第二人的修改"
    saved = first.post(url, a)
    assert saved.status_code == 302, saved.context and saved.context["form"].errors
    refused = second.post(url, b)
    assert refused.status_code == 409
    body = refused.content.decode()
    personal = isinstance(type(obj)._meta.get_field(field), EncryptedTextField)
    assert "其他人" in body  # what changed, in Chinese
    assert ("第一人的修改" in body) is not personal  # a personal value is named, not shown
    assert "第二人的修改" in body  # the second person's input is kept
    obj.refresh_from_db()
    assert getattr(obj, field) == "第一人的修改"
    # saving again from the refreshed form is a deliberate choice, and works
    again = _posted(refused.context["form"])
    again[field] = "第二人的修改"
    assert second.post(url, again).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == "第二人的修改"


def test_a_stale_save_never_shows_personal_fields(client, world):
    """The message names a changed phone number but does not print it."""
    from django.test import Client

    person = world.places["own"].recipient
    url = reverse("people:edit", args=[person.pk])
    first, second = client, Client()
    for c in (first, second):
        c.force_login(world.actors["social_worker"])
    a = _posted(first.get(url).context["form"])
    b = _posted(second.get(url).context["form"])
    a["phone"], b["name"] = "13911112222", "第二人的修改"
    assert first.post(url, a).status_code == 302
    refused = second.post(url, b)
    assert refused.status_code == 409
    errors = " ".join(refused.context["form"].non_field_errors())
    assert "已更改" in errors and "13911112222" not in errors
