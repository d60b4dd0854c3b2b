"""Rows read from the database made into instances without ``Model.__init__``
(shegong/core/instances.py): the same instance Django makes, for whole rows, rows read
with ``only()`` and rows joined with ``select_related``; Django's own path where a
receiver of ``pre_init``/``post_init`` listens; and the suite's check (every row also
built Django's way) does catch an instance that came out differently."""

import pytest
from django.conf import settings
from django.db import models
from django.db.models.signals import post_init
from django.test.utils import isolate_apps

from shegong.core import instances
from shegong.people.models import Recipient
from shegong.stations.models import Station
from shegong.work.models import HomeVisit

from .factories import AgencyFactory, HomeVisitFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(regions):
    agency = AgencyFactory()
    station = StationFactory(agency=agency)
    worker = UserFactory(station=station)
    return HomeVisitFactory(created_by=worker)


def test_the_suite_builds_rows_the_fast_way_and_checks_each():
    assert settings.SHEGONG_FAST_ROWS and settings.SHEGONG_FAST_ROWS_VERIFY
    assert Station.from_db.__func__ is instances._checked_from_db
    assert HomeVisit.from_db.__func__ is instances._checked_from_db


def test_a_whole_row_is_the_instance_django_makes(visit):
    got = Station.objects.get(pk=visit.station_id)
    assert Station.from_db.__func__ is instances._checked_from_db  # compared with Django's
    assert not got._state.adding and got._state.db == "default"
    assert got.name == visit.station.name and got.agency_id == visit.station.agency_id
    # saved again, it is an update of the same row (not an insert)
    got.name = "改名社工站"
    got.save()
    assert Station.objects.filter(name="改名社工站").count() == 1
    assert Station.objects.count() == 1


def test_a_row_read_with_only_loads_what_it_lacks_when_read(visit):
    got = HomeVisit.objects.only("pk", "date").get(pk=visit.pk)
    assert "situation" not in got.__dict__
    assert got.get_deferred_fields() >= {"situation", "recipient_id"}
    assert got.situation == "走访了解情况"  # read from the database now
    assert got.recipient_id == visit.recipient_id


def test_joined_rows_are_cached_on_the_row_and_a_changed_key_drops_them(visit):
    got = HomeVisit.objects.select_related("station__agency", "recipient").get(pk=visit.pk)
    assert got.station.agency.name == visit.station.agency.name
    assert got.recipient.name == visit.recipient.name
    assert HomeVisit.station.is_cached(got)
    other = StationFactory(name="另一社工站")
    got.station_id = other.pk  # through the descriptor, as ever: the cached station goes
    assert not HomeVisit.station.is_cached(got)
    assert got.station.name == "另一社工站"


def test_encrypted_fields_read_back_decrypted(visit):
    person = Recipient.objects.get(pk=visit.recipient_id)
    assert person.id_number == visit.recipient.id_number
    assert person.phone == "13812345678"


def test_a_model_with_an_init_receiver_is_built_by_django(visit):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Station)
    try:
        got = Station.objects.get(pk=visit.station_id)
    finally:
        post_init.disconnect(receiver, sender=Station)
    assert seen == [got]
    Station.objects.get(pk=visit.station_id)
    assert len(seen) == 1  # disconnected: the fast way again


@isolate_apps("shegong.core")
def test_install_leaves_models_that_build_their_own_rows():
    class Plain(models.Model):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "core"

        def __str__(self):
            return self.name

    class OwnInit(models.Model):
        class Meta:
            app_label = "core"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

        def __str__(self):
            return str(self.pk)

    class OwnFromDb(models.Model):
        class Meta:
            app_label = "core"

        def __str__(self):
            return str(self.pk)

        @classmethod
        def from_db(cls, db, field_names, values):
            return super().from_db(db, field_names, values)

    own = OwnFromDb.from_db.__func__
    instances.install([Plain, OwnInit, OwnFromDb])
    assert Plain.from_db.__func__ is instances._checked_from_db
    assert OwnInit.from_db.__func__ is instances._django_from_db
    assert OwnFromDb.from_db.__func__ is own


def test_the_check_catches_a_row_built_wrongly():
    # values in the order Django expects, names in another: the fast way would put each
    # value under the wrong name, and the check compares with Django's instance
    names = ["code", "name", "level", "parent_id"]
    from shegong.regions.models import Region

    fields = [f.attname for f in Region._meta.concrete_fields]
    assert sorted(fields) == sorted(names)
    values = {"code": "430302", "name": "雨湖区", "level": 3, "parent_id": "4303"}
    right = [values[f] for f in fields]
    assert instances._checked_from_db(Region, "default", fields, right).name == "雨湖区"
    with pytest.raises(instances.RowMismatch):
        instances._checked_from_db(Region, "default", fields[::-1], right)
