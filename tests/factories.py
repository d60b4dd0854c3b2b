import datetime
from decimal import Decimal

import factory

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.validators import credit_code_check_char
from shegong.stations.models import Agency, Station
from shegong.workforce.models import SocialWorkerProfile


def make_credit_code(n: int, county: str = "430302") -> str:
    first17 = f"52{county}{n:09d}"
    return first17 + credit_code_check_char(first17)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"测试社会工作服务中心{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n))
    region_id = "430302"


class FilingFactory(factory.django.DjangoModelFactory):
    """An agency's online filing, filed (approved) unless ``status`` says otherwise; its
    place is the agency's."""

    class Meta:
        model = "purchase.Filing"

    agency = factory.SubFactory(AgencyFactory)
    region_id = factory.LazyAttribute(lambda f: f.agency.region_id)
    legal_representative = "李明"
    registration_authority = "民政局"
    certificate_number = factory.Sequence(lambda n: f"C-{n}")
    founded_on = datetime.date(2015, 1, 1)
    service_fields = factory.LazyFunction(lambda: ["elderly"])
    status = "approved"


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"测试社工站{n}")
    tier = Station.Tier.TOWNSHIP
    region_id = "430302001"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.SOCIAL_WORKER
    password = factory.django.Password("Passw0rd!")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialWorkerProfile

    user = factory.SubFactory(UserFactory)


def make_id_number(region: str = "430302", birth: str = "19600101", seq: int = 123) -> str:
    from shegong.core.validators import id_check_char

    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


class RecipientFactory(factory.django.DjangoModelFactory):
    """A person with the search keys the register service would set."""

    class Meta:
        model = "people.Recipient"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"居民{n}")
    region_id = "430302001001"
    id_number = factory.Sequence(lambda n: make_id_number(seq=n % 1000))
    phone = "13812345678"
    address = "雨湖路1号"

    @factory.post_generation
    def keys(obj, create, extracted, **kwargs):
        from shegong.people.identity import id_fields, name_initials

        obj.name_initials = name_initials(obj.name)
        for k, v in id_fields(obj.id_number).items():
            setattr(obj, k, v)
        if create:
            obj.save()


# A real 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


# ----- station work: one factory per record type, in the station of ``created_by`` ----------
# Each needs ``created_by`` (a station worker, whose station and township it takes) unless
# ``station`` and ``region_id`` are given; counts, hours and dates are within core.bounds.
# Records made here skip the services, so call ``engine.sync(record)`` when a test needs
# the indicators to see them.


def _station(o):
    return o.created_by.station


def _workers(obj, create, extracted, **kwargs):
    if create:
        obj.workers.set(extracted or [obj.created_by])


class StationWorkFactory(factory.django.DjangoModelFactory):
    """What every station-work record has: who registered it, their station, a place in it."""

    class Meta:
        abstract = True

    created_by = factory.SubFactory(UserFactory)
    station = factory.LazyAttribute(_station)
    region_id = factory.LazyAttribute(lambda o: o.station.region_id)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.Household"

    region_id = "430302001001"
    address = "雨湖路2号"


class HomeVisitFactory(StationWorkFactory):
    class Meta:
        model = "work.HomeVisit"
        skip_postgeneration_save = True

    recipient = factory.SubFactory(RecipientFactory)
    region_id = factory.LazyAttribute(lambda o: o.recipient.region_id)
    domain = "assistance"
    service_type = "help"
    date = datetime.date(2026, 3, 2)
    hours = Decimal("1")
    situation = "走访了解情况"
    workers = factory.PostGeneration(_workers)


class CaseFactory(StationWorkFactory):
    class Meta:
        model = "work.Case"

    worker = factory.SelfAttribute("created_by")
    recipient = factory.SubFactory(RecipientFactory)
    region_id = factory.LazyAttribute(lambda o: o.recipient.region_id)
    domain = "elderly"
    service_type = "care"
    number = factory.Sequence(lambda n: f"GA-T{n:05d}")
    opened_on = datetime.date(2026, 3, 1)
    source = "outreach"
    presenting_problem = "独居老人需要照料"


class GroupFactory(StationWorkFactory):
    class Meta:
        model = "work.Group"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"XZ-T{n:05d}")
    name = factory.Sequence(lambda n: f"互助小组{n}")
    domain = "elderly"
    service_type = "spirit"
    nature = "support"
    goals = "互助"
    target = "老人"
    planned_sessions = 4
    workers = factory.PostGeneration(_workers)


class GroupSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "work.GroupSession"

    group = factory.SubFactory(GroupFactory)
    number = factory.Sequence(lambda n: n + 1)
    date = datetime.date(2026, 3, 5)
    hours = Decimal("1.5")
    record = "第一节：相互认识"


class ActivityFactory(StationWorkFactory):
    class Meta:
        model = "work.Activity"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"社区活动{n}")
    domain = "elderly"
    service_type = "care"
    date = datetime.date(2026, 3, 12)
    hours = Decimal("2")
    participants_count = 20
    workers = factory.PostGeneration(_workers)


class ActivityResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "work.ActivityResource"

    activity = factory.SubFactory(ActivityFactory)
    kind = "money"
    description = "爱心企业捐赠"
    value = Decimal("1000")


class AdminWorkFactory(StationWorkFactory):
    class Meta:
        model = "work.AdminWork"

    worker = factory.SelfAttribute("created_by")
    date = datetime.date(2026, 3, 3)
    task = "policy"
    hours = Decimal("1")


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workforce.TrainingRecord"

    worker = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("worker")
    region_code = factory.LazyAttribute(lambda o: o.worker.scope_region_id or "")
    kind = "training"
    date = datetime.date(2026, 3, 4)
    hours = Decimal("8")
    organiser = "county"
    topic = "个案管理实务"


def allocate(by, *, amount, activity=None, kind="money", date=None, **donation):
    """A donation of ``amount`` to ``by``'s station, all allocated to ``activity`` (the
    ledger's own services: how charity money reaches the figures)."""
    from shegong.community import services as ledger

    donor = ledger.donor_record(
        by=by, data=ledger.DonorInput(name=donation.pop("donor", "爱心企业"), kind="enterprise")
    )
    day = date or activity.date
    gift = ledger.donation_record(
        by=by,
        data=ledger.DonationInput(
            donor=donor.pk,
            kind=kind,
            amount=Decimal(amount),
            received_on=day,
            items="物资" if kind == "in_kind" else "",
            **donation,
        ),
    )
    return ledger.allocation_record(
        by=by,
        data=ledger.AllocationInput(
            donation=gift.pk, amount=Decimal(amount), date=day, activity=activity.pk
        ),
    )
