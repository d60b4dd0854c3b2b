import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import patch_cache_control

# The API answers 401 itself (ninja's auth); language switching works before login.
OPEN_PREFIXES = ("/api/", "/i18n/")


class LoginRequiredMiddleware(BaseLoginRequired):
    """Every page needs a login unless it says otherwise (Django's own middleware)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a county office
    machine with an English browser must still open in Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulMiddleware:
    """A NUL byte in the path or query is never meaningful, and PostgreSQL refuses it in text:
    answer 400 at the door rather than 500 deep inside. (Form fields reject it already.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        if (
            "\x00" in request.path
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
            or any("\x00" in key for key in request.GET)
        ):
            return HttpResponseBadRequest("请求中含有非法字符 (NUL) / invalid character (NUL)")
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response to a logged-in user.

    Pages, htmx fragments and exports carry personal data; no browser cache, shared office
    machine or proxy between a village and the server may keep a copy. (Static files are
    served before this by WhiteNoise and stay cacheable.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response


SESSION_REFRESHED = "_shegong_refreshed"  # when the session's expiry was last moved on


class IdleSessionMiddleware:
    """The idle timeout (``SESSION_COOKIE_AGE``, 30 minutes) restarts with activity, but
    the session is written at most once every ``SHEGONG_SESSION_REFRESH_SECONDS`` (60), not
    on every request as ``SESSION_SAVE_EVERY_REQUEST`` would: that was a write and a commit
    for every page anyone opened. A session ends between 29 and 30 minutes after its last
    request. Placed just after ``SessionMiddleware``, whose response phase saves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or not session.session_key:
            return response  # nothing read: no one's session to keep alive
        if response.status_code >= 500:
            return response  # the database may be what failed: leave the session alone
        now = int(time.time())
        every = getattr(settings, "SHEGONG_SESSION_REFRESH_SECONDS", 60)
        if session.modified or now - session.get(SESSION_REFRESHED, 0) >= every:
            session[SESSION_REFRESHED] = now  # saved, with a new expiry, by SessionMiddleware
        return response
