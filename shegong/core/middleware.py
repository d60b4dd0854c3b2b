from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired

# The API answers 401 itself (ninja's auth); language switching works before login.
OPEN_PREFIXES = ("/api/", "/i18n/")


class LoginRequiredMiddleware(BaseLoginRequired):
    """Every page needs a login unless it says otherwise (Django's own middleware)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
