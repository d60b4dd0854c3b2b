"""Production settings for the server processes a test starts (tests/test_shared_state.py),
but static files served as they are (no collectstatic manifest to build first)."""

from shegong.settings import *  # noqa: F403
from shegong.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
