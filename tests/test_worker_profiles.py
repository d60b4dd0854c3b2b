from django.urls import reverse

from shegong.audit.models import AuditEntry


def _data(**over):
    data = {
        "education": "bachelor",
        "major": "社会工作",
        "social_work_major": "on",
        "qualification": "none",
        "hire_date": "2022-03-01",
        "birth_date": "1995-06-01",
    }
    data.update(over)
    return data


def test_lead_assigns_designated_villages_of_own_township(client, world):
    client.force_login(world.actors["station_lead"])
    worker = world.places["own"].worker
    url = reverse("workforce:profile_edit", args=[worker.pk])
    response = client.post(url, _data(designated_villages=["430302001001", "430302001002"]))
    assert response.status_code == 302
    profile = worker.worker_profile
    profile.refresh_from_db()
    assert sorted(profile.designated_villages.values_list("code", flat=True)) == [
        "430302001001",
        "430302001002",
    ]
    assert profile.is_qualified
    assert AuditEntry.objects.filter(action="shegong.worker_profile.changed").exists()


def test_village_of_another_township_is_refused(client, world):
    client.force_login(world.actors["station_lead"])
    worker = world.places["own"].worker
    response = client.post(
        reverse("workforce:profile_edit", args=[worker.pk]),
        _data(designated_villages=["430302002001"]),  # 城正街街道, not this station's
    )
    assert response.status_code == 200
    assert "designated_villages" in response.context["form"].errors
    assert not worker.worker_profile.designated_villages.exists()


def test_qualification_needs_certificate(client, world):
    client.force_login(world.actors["county_officer"])
    worker = world.places["own"].worker
    response = client.post(
        reverse("workforce:profile_edit", args=[worker.pk]), _data(qualification="assistant")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "有职业资格时须填写证书编号" in errors["certificate_no"][0]
    assert "certificate_date" in errors
    response = client.post(
        reverse("workforce:profile_edit", args=[worker.pk]),
        _data(
            qualification="assistant",
            certificate_no="2021430000123456",
            certificate_date="2021-06-20",
        ),
    )
    assert response.status_code == 302


def test_security_admin_creating_a_worker_creates_the_profile(client, world):
    client.force_login(world.actors["security_admin"])
    station = world.places["neighbour"].station
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newsw",
            "role": "social_worker",
            "station": station.pk,
            "password": "Xk9#mPq2vL",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from shegong.accounts.models import User

    user = User.objects.get(username="newsw")
    assert user.scope_region_id == station.region_id
    assert user.worker_profile.qualification == "none"
