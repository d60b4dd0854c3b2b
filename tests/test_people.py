"""Registering service recipients: ID rules, encryption at rest, masking, reveal, search."""

import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from shegong.audit.models import AuditEntry
from shegong.people.models import Recipient

from .factories import make_id_number

ID = make_id_number("430302", "19450315", 124)  # a woman born 1945-03-15


def _data(**over):
    data = {
        "name": "李秀英",
        "id_number": ID,
        "phone": "13812345678",
        "region": "430302001001",
        "address": "雨湖路社区12栋3号",
        "self_care": "partial",
        "consent": "written",
        "consent_date": "2026-03-01",
        "consent_giver": "self",
        "new_household": "on",
        "categories": [],
    }
    data.update(over)
    return data


@pytest.fixture
def worker_client(client, world):
    client.force_login(world.actors["social_worker"])
    return client


def test_register_derives_sex_and_birth_and_encrypts(worker_client, world):
    response = worker_client.post(reverse("people:create"), _data())
    assert response.status_code == 302
    person = Recipient.objects.get(name="李秀英")
    assert (person.sex, str(person.birth_date)) == ("F", "1945-03-15")
    assert person.name_initials == "lxy"
    assert person.id_last4 == ID[-4:]
    assert person.household.head == person
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, address FROM people_recipient WHERE id = %s", [person.pk]
        )
        raw = " ".join(cur.fetchone())
    assert ID not in raw and "13812345678" not in raw and "雨湖路社区" not in raw
    assert person.id_number == ID  # and it reads back


def test_legacy_15_digit_number_is_converted(worker_client):
    legacy = "430302450315124"
    worker_client.post(reverse("people:create"), _data(id_number=legacy))
    assert Recipient.objects.get(name="李秀英").id_number == ID


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (ID[:-1] + ("0" if ID[-1] != "0" else "1"), "校验位不正确"),
        ("4303021945031512", "18 位"),
        ("430302194502301234", "出生日期不存在"),
    ],
)
def test_bad_id_number_is_explained_and_input_kept(worker_client, number, message):
    response = worker_client.post(reverse("people:create"), _data(id_number=number))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and 'value="李秀英"' in body
    assert not Recipient.objects.filter(name="李秀英").exists()


def test_duplicate_in_scope_names_the_person(worker_client, world):
    own = world.places["own"].recipient
    response = worker_client.post(reverse("people:create"), _data(id_number=own.id_number))
    assert "已登记：own居民" in response.content.decode()


def test_duplicate_outside_scope_does_not_leak(worker_client, world):
    other = world.places["other_city"].recipient
    response = worker_client.post(reverse("people:create"), _data(id_number=other.id_number))
    body = response.content.decode()
    assert "已在您的辖区以外登记" in body and "other_city居民" not in body


def test_children_need_a_guardian_and_guardian_consent(worker_client):
    child = make_id_number("430302", "20180601", 111)
    response = worker_client.post(reverse("people:create"), _data(id_number=child, name="小明"))
    errors = response.context["form"].errors
    assert "guardian_name" in errors and "consent_giver" in errors
    response = worker_client.post(
        reverse("people:create"),
        _data(id_number=child, name="小明", guardian_name="王芳", consent_giver="guardian"),
    )
    assert response.status_code == 302


def test_disability_needs_type_and_grade(worker_client):
    from shegong.people.models import Category

    disabled = Category.objects.get(code="disabled")
    response = worker_client.post(reverse("people:create"), _data(categories=[disabled.pk]))
    assert {"disability_type", "disability_grade"} <= set(response.context["form"].errors)
    response = worker_client.post(
        reverse("people:create"),
        _data(categories=[disabled.pk], disability_type="physical", disability_grade="2"),
    )
    assert response.status_code == 302
    link = Recipient.objects.get(name="李秀英").category_links.get()
    assert (link.disability_type, link.disability_grade) == ("physical", 2)


def test_double_submit_saves_once(worker_client):
    page = worker_client.get(reverse("people:create"))
    key = page.context["form"].idempotency_key
    first = worker_client.post(reverse("people:create"), _data(idempotency_key=key))
    second = worker_client.post(reverse("people:create"), _data(idempotency_key=key))
    assert Recipient.objects.filter(name="李秀英").count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_list_masks_and_searches(worker_client, world):
    own = world.places["own"].recipient
    body = worker_client.get(reverse("people:list")).content.decode()
    assert own.id_number not in body and own.id_number[:6] + "********" + own.id_number[-4:] in body
    assert "138****5678" in body
    for q in ["own", own.id_number[-4:], "o"]:
        body = worker_client.get(reverse("people:list"), {"q": q}).content.decode()
        assert "own居民" in body, q
    assert "own居民" not in worker_client.get(reverse("people:list"), {"q": "zz"}).content.decode()


def test_export_is_masked_and_logged(worker_client, world):
    response = worker_client.get(reverse("people:list"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    flat = " ".join(str(c) for r in rows for c in r)
    own = world.places["own"].recipient
    assert "own居民" in flat and own.id_number not in flat and "13812345678" not in flat
    assert AuditEntry.objects.filter(action="shegong.export").exists()


def test_reading_and_revealing_are_audited(client, world):
    person = world.places["own"].recipient
    client.force_login(world.actors["social_worker"])
    body = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert person.id_number not in body
    assert (
        AuditEntry.objects.filter(
            action="shegong.recipient.viewed", object_id=str(person.pk)
        ).count()
        == 1
    )
    revealed = client.post(reverse("people:reveal", args=[person.pk, "id_number"]))
    assert person.id_number in revealed.content.decode()
    entry = AuditEntry.objects.get(action="shegong.recipient.revealed")
    assert entry.data == {"field": "id_number"} and entry.actor == world.actors["social_worker"]
    # a city officer sees the record masked but may not reveal
    client.force_login(world.actors["city_officer"])
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200
    assert client.post(reverse("people:reveal", args=[person.pk, "phone"])).status_code == 403


def test_a_persons_page_lists_every_service_received_with_its_link(client, world):
    """The person's timeline (work.selectors.person_timeline, read as values): the visit,
    the case with its stage in words, a group session attended and an activity taken part
    in, newest first, each linked to its own page."""
    import datetime

    from django.urls import reverse

    from shegong.work.models import GroupSession

    own = world.places["own"]
    own.activity.participants.add(own.recipient)
    earlier = own.visit.date - datetime.timedelta(days=3)
    session = GroupSession.objects.create(
        group=own.group,
        number=1,
        date=earlier,
        hours="1",
        record="第一次小组活动",
        created_by=own.worker,
    )
    session.attendees.add(own.recipient)
    client.force_login(own.worker)
    page = client.get(reverse("people:detail", args=[own.recipient.pk])).content.decode()
    timeline = page.split('data-testid="person-timeline"')[1].split("</ul>")[0]
    links = [
        reverse("work:visit_detail", args=[own.visit.pk]),
        reverse("work:case_detail", args=[own.case.pk]),
        reverse("work:activity_detail", args=[own.activity.pk]),
        reverse("work:group_detail", args=[own.group.pk]),
    ]
    for link in links:
        assert f'href="{link}"' in timeline
    assert f"C-own · {own.case.get_stage_display()}" in timeline
    assert "own小组 #1" in timeline and "own走访情况" in timeline
    assert timeline.index(links[-1]) > timeline.index(
        links[0]
    )  # the session, three days before, last


def test_a_long_service_history_shows_its_latest_lines_and_says_how_many_are_left_out(
    client, world, django_assert_max_num_queries
):
    """A person served for years: the page shows the latest ``TIMELINE_LINES`` services,
    newest first, and how many earlier ones it leaves out (counted exactly, across kinds);
    显示全部 (``?all=1``) shows every one. The selector reads at most one line more than it
    shows, and counts only the kind that has more."""
    import datetime

    from shegong.work.selectors import TIMELINE_LINES, person_timeline

    from .factories import HomeVisitFactory

    own = world.places["own"]
    first = own.visit.date - datetime.timedelta(days=1)
    for n in range(TIMELINE_LINES + 5):
        HomeVisitFactory(
            recipient=own.recipient,
            station=own.station,
            created_by=own.worker,
            date=first - datetime.timedelta(days=n),
            situation=f"早先走访{n}",
        )
    # the world's visit and case, and the visits above
    total = TIMELINE_LINES + 5 + 2
    with django_assert_max_num_queries(5):
        timeline = person_timeline(person=own.recipient, user=own.worker)
    assert len(timeline.items) == TIMELINE_LINES
    assert timeline.hidden == total - TIMELINE_LINES
    assert [i.date for i in timeline.items] == sorted(
        (i.date for i in timeline.items), reverse=True
    )
    assert timeline.items[-1].title == f"早先走访{TIMELINE_LINES - 3}"
    everything = person_timeline(person=own.recipient, user=own.worker, everything=True)
    assert len(everything.items) == total and everything.hidden == 0
    assert everything.items[-1].title == f"早先走访{TIMELINE_LINES + 4}"

    client.force_login(own.worker)
    url = reverse("people:detail", args=[own.recipient.pk])
    page = client.get(url).content.decode()
    timeline_html = page.split('data-testid="person-timeline"')[1].split("</ul>")[0]
    assert timeline_html.count('class="list-group-item d-flex') == TIMELINE_LINES
    assert f"还有 {total - TIMELINE_LINES} 次更早的服务未显示" in timeline_html
    assert 'href="?all=1#services"' in timeline_html
    page = client.get(url, {"all": "1"}).content.decode()
    timeline_html = page.split('data-testid="person-timeline"')[1].split("</ul>")[0]
    assert timeline_html.count('class="list-group-item d-flex') == total
    assert "timeline-hidden" not in timeline_html
    assert f"早先走访{TIMELINE_LINES + 4}" in timeline_html


def test_the_list_shows_each_persons_categories_in_order_from_plain_values(client, world):
    """The people list names each person's categories in the category order, the same as
    the export, and reads them as values: not one link or category object is made for a
    page (they were a fifth of the page's time)."""
    from django.db.models.signals import post_init

    from shegong.people.models import Category, RecipientCategory

    from .factories import RecipientFactory

    first, second = Category.objects.order_by("ordering", "code")[:2]
    both = RecipientFactory(name="甲有两类")
    RecipientCategory.objects.create(recipient=both, category=second)
    RecipientCategory.objects.create(recipient=both, category=first)
    RecipientFactory(name="乙无类别")
    expected = f"{first.name}、{second.name}"

    made = []

    def count(sender, **kwargs):
        made.append(sender)

    client.force_login(world.actors["county_officer"])
    post_init.connect(count, sender=RecipientCategory)
    post_init.connect(count, sender=Category)
    try:
        page = client.get(reverse("people:list"))
    finally:
        post_init.disconnect(count, sender=RecipientCategory)
        post_init.disconnect(count, sender=Category)
    lines = {line.split("</a>")[0].rsplit(">", 1)[-1]: line for line in page.context["lines"]}
    assert expected in lines["甲有两类"]
    assert first.name not in lines["乙无类别"] and second.name not in lines["乙无类别"]
    assert made.count(RecipientCategory) == 0
    assert made.count(Category) == len(Category.objects.all())  # the filter's choices only

    exported = client.get(reverse("people:list"), {"export": "csv"}).content.decode("utf-8")
    row = next(line for line in exported.splitlines() if line.startswith("甲有两类"))
    assert expected in row


def test_a_select_filter_lists_its_options_escaped_with_the_chosen_one_selected(client, world):
    """The list's select filters are built in Python (core.lists._options), not per option
    by template tags: every option is there, its text and value escaped, and only the
    chosen one selected."""
    from shegong.people.models import Category

    odd = Category.objects.create(code='x"y', name='<b>"引号"</b>&', group="other")
    client.force_login(world.actors["county_officer"])
    html = client.get(reverse("people:list"), {"category": 'x"y'}).content.decode()
    select = html.split('name="category"', 1)[1].split("</select>", 1)[0]
    assert (
        '<option value="x&quot;y" selected>&lt;b&gt;&quot;引号&quot;&lt;/b&gt;&amp;</option>'
        in (select)
    )
    assert "<b>" not in select
    assert select.count(" selected") == 1
    for category in Category.objects.exclude(pk=odd.pk):
        assert f'<option value="{category.code}">{category.name}</option>' in select
    assert select.split("<option", 2)[1].startswith(' value="">类别</option>')  # label first

    plain = client.get(reverse("people:list")).content.decode()
    assert " selected" not in plain.split('name="category"', 1)[1].split("</select>", 1)[0]
