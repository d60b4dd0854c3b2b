"""Every record type has a factory, and what it makes passes the model's own validation."""

import pytest

from . import factories

STATION_WORK = [
    factories.HomeVisitFactory,
    factories.CaseFactory,
    factories.GroupFactory,
    factories.ActivityFactory,
    factories.AdminWorkFactory,
    factories.TrainingRecordFactory,
]


@pytest.mark.parametrize("factory_cls", STATION_WORK, ids=lambda f: f.__name__)
def test_station_work_factories_make_valid_records_in_the_workers_station(world, factory_cls):
    worker = world.places["own"].worker
    field = "worker" if factory_cls is factories.TrainingRecordFactory else "created_by"
    record = factory_cls(**{field: worker})
    record.full_clean()
    station = getattr(record, "station", None)
    if station is not None:
        assert station == worker.station and record.region_id.startswith(station.region_id)


def test_parts_of_records_have_factories(world):
    worker = world.places["own"].worker
    session = factories.GroupSessionFactory(group=factories.GroupFactory(created_by=worker))
    resource = factories.ActivityResourceFactory(
        activity=factories.ActivityFactory(created_by=worker)
    )
    household = factories.HouseholdFactory()
    for obj in (session, resource, household):
        obj.full_clean()


def test_every_kind_of_record_has_a_factory():
    from django.apps import apps

    made = {
        f._meta.get_model_class()
        for f in vars(factories).values()
        if isinstance(f, type)
        and issubclass(f, factories.factory.django.DjangoModelFactory)
        and f._meta.model is not None
    }
    records = {
        apps.get_model(label)
        for label in (
            "stations.Agency",
            "stations.Station",
            "accounts.User",
            "workforce.SocialWorkerProfile",
            "workforce.TrainingRecord",
            "people.Recipient",
            "people.Household",
            "work.HomeVisit",
            "work.Case",
            "work.Group",
            "work.GroupSession",
            "work.Activity",
            "work.ActivityResource",
            "work.AdminWork",
        )
    }
    assert records - made == set()
