"""The phone app (PWA): its page, manifest and service worker.

The page is server-rendered like every other; ``field.js`` keeps the station's working set
and an outbox in IndexedDB (idb-keyval), records offline, and sends the outbox through the
ordinary API when the signal returns, each item with its own Idempotency-Key. The service
worker caches the app shell so the page opens with no signal.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shegong.accounts.roles import STATION_ROLES
from shegong.people.models import Category, Recipient
from shegong.work.models import AdminWork, ServiceType, offered_domains

SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/idb-keyval/idb-keyval.min.js",
    "shegong/app.css",
    "shegong/field.js",
    "shegong/favicon.svg",
    "shegong/icon-192.png",
    "shegong/icon-512.png",
)


def _shell_files() -> list[str]:
    return [reverse("field:app"), reverse("field:manifest")] + [static(f) for f in SHELL_STATIC]


@functools.cache
def shell_version() -> str:
    """The shell cache's name, from its files' contents: a new field.js is a new service
    worker, which caches the shell afresh and drops the old cache."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        path = finders.find(name)
        if path:
            with open(path, "rb") as f:
                digest.update(f.read())
    return "field-" + digest.hexdigest()[:12]


@require_GET
def app(request):
    """The phone app: today's work, offline forms, the outbox. For station staff; others
    are told what it is for."""
    staff = request.user.role in STATION_ROLES and bool(request.user.station_id)
    tasks = [(v, label) for v, label in AdminWork.Task.choices if v not in AdminWork.NEGATIVE]
    return render(
        request,
        "field/app.html",
        {
            "staff": staff,
            "config": {
                "station": request.user.station_id if staff else None,
                "user": request.user.pk,
                "username": request.user.get_username(),
                "maxAgeSeconds": settings.SESSION_COOKIE_AGE + settings.SHEGONG_FIELD_GRACE_SECONDS,
                "csrfUrl": reverse("field:csrf"),
                "workingSetUrl": f"/api/field/stations/{request.user.station_id}/working-set",
                "changesUrl": f"/api/field/stations/{request.user.station_id}/changes",
                "loginUrl": reverse("accounts:login") + "?next=" + reverse("field:app"),
                "serviceWorkerUrl": reverse("field:service_worker"),
                "appUrl": reverse("field:app"),
                "timeZone": settings.TIME_ZONE,
            },
            "categories": Category.current(),
            "domains": offered_domains(),
            "service_types": ServiceType.choices,
            "tasks": tasks,
            "sexes": Recipient._meta.get_field("sex").choices,
            "consents": Recipient._meta.get_field("consent").choices,
            "givers": Recipient._meta.get_field("consent_giver").choices,
        },
    )


@login_not_required  # fetched by the browser without a session; holds nothing personal
@require_GET
def manifest(request):
    """The web app manifest: 社工, standalone, opening at the app."""
    return JsonResponse(
        {
            "name": _("Shegong field app"),
            "short_name": "社工",
            "lang": "zh-CN",
            "start_url": reverse("field:app"),
            "scope": reverse("field:app"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0d6efd",
            "icons": [
                {"src": static("shegong/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("shegong/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": static("shegong/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


SERVICE_WORKER = """// Shegong field app: caches the app shell so the page opens with no signal.
// Personal data never goes in this cache: the working set and the outbox are in
// IndexedDB (field.js), cleared on logout (Clear-Site-Data) and when they expire.
const SHELL = "%(version)s";
const FILES = %(files)s;
const APP = "%(app)s";
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/")) return;  // data: always the network
  if (event.request.mode === "navigate" && url.pathname === APP) {
    // the app page: the network when there is one (and keep it), else the cached shell
    event.respondWith(
      fetch(event.request)
        .then((r) => {
          if (r.ok && !r.redirected) {
            const copy = r.clone();
            caches.open(SHELL).then((c) => c.put(APP, copy));
          }
          return r;
        })
        .catch(() => caches.match(APP))
    );
    return;
  }
  if (FILES.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(event.request)));
  }
});
"""


@login_not_required  # the browser checks it for updates with or without a session
@require_GET
def service_worker(request):
    """The service worker, served from the app's own path so it may control it."""
    body = SERVICE_WORKER % {
        "version": shell_version(),
        "files": json.dumps(_shell_files()),
        "app": reverse("field:app"),
    }
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field:app")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def csrf(request):
    """A fresh CSRF token for the outbox's writes (the cached page's may be stale)."""
    return JsonResponse({"token": get_token(request)})
