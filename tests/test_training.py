from django.urls import reverse

from shegong.workforce.models import TrainingRecord


def _data(worker, **over):
    data = {
        "worker": worker.pk,
        "kind": "supervision",
        "date": "2026-03-01",
        "hours": "3",
        "organiser": "county",
        "topic": "个案督导",
        "supervisor": "刘督导",
    }
    data.update(over)
    return data


def test_lead_records_supervision_for_a_worker(client, world):
    client.force_login(world.actors["station_lead"])
    worker = world.places["own"].worker
    assert client.post(reverse("workforce:training_create"), _data(worker)).status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.worker, record.region_code, str(record.hours)) == (worker, "430302001", "3.0")
    # visible to the county officer, not to the neighbour county's
    client.force_login(world.actors["county_officer"])
    assert "个案督导" in client.get(reverse("workforce:training_list")).content.decode()


def test_worker_records_only_their_own(client, world):
    me = world.actors["social_worker"]
    client.force_login(me)
    other = world.places["own"].worker
    response = client.post(reverse("workforce:training_create"), _data(other))
    assert response.status_code == 200 and "worker" in response.context["form"].errors
    assert (
        client.post(reverse("workforce:training_create"), _data(me, kind="training")).status_code
        == 302
    )


def test_hours_must_be_sensible(client, world):
    client.force_login(world.actors["social_worker"])
    response = client.post(
        reverse("workforce:training_create"), _data(world.actors["social_worker"], hours="0")
    )
    assert "hours" in response.context["form"].errors
