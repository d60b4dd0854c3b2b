import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shegong.work.models import HomeVisit, Photo

from .factories import PNG


def _visit(world, **files):
    own = world.places["own"]
    return {
        "date": "2026-03-02",
        "region": own.village,
        "recipient": own.recipient.pk,
        "workers": [world.actors["social_worker"].pk],
        "hours": "1",
        "situation": "带照片的走访",
        **files,
    }


def test_photos_are_checked_by_content_and_served_only_in_scope(client, world):
    client.force_login(world.actors["social_worker"])
    fake = SimpleUploadedFile(
        "evil.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg"
    )
    response = client.post(reverse("work:visit_create"), _visit(world, photos=[fake]))
    assert response.status_code == 200
    assert "不是 JPEG、PNG 或 WebP 照片" in response.content.decode()
    assert not HomeVisit.objects.filter(situation="带照片的走访").exists()

    good = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = client.post(reverse("work:visit_create"), _visit(world, photos=[good]))
    assert response.status_code == 302
    photo = Photo.objects.get(visit__situation="带照片的走访")
    # stored under a random name of our own, never the uploaded one
    assert photo.kind == "png"
    assert re.fullmatch(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.png", photo.image.name)
    url = reverse("work:photo", args=[photo.pk])
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG

    client.force_login(world.places["neighbour"].worker)
    assert client.get(url).status_code == 404
    client.force_login(world.actors["city_officer"])
    assert client.get(url).status_code == 200


def test_too_large_a_photo_is_refused(client, world, settings):
    client.force_login(world.actors["social_worker"])
    big = SimpleUploadedFile("big.png", PNG + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    response = client.post(reverse("work:visit_create"), _visit(world, photos=[big]))
    assert response.status_code == 200 and "大于 5 MB" in response.content.decode()
