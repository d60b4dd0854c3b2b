from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .models import User
from .policy import PERMISSIONS
from .usercache import cached_user


def _load(pk):
    return User.objects.select_related("scope_region", "station").filter(pk=pk).first()


class ShegongBackend(ModelBackend):
    """Django's backend, loading the scope region and station with the user.

    Every page shows them and every restriction reads them: one query instead of three,
    and with a shared cache none (``usercache``: kept a minute, forgotten when changed).
    """

    def get_user(self, user_id):
        user = cached_user(user_id, lambda: _load(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        """Policy permissions (``shegong.*``) come from the role (``accounts.policy``).

        A refusal raises PermissionDenied, which Django reads as "no" without asking the
        other backends: no permission table is consulted for them, no query is made.
        """
        if perm.startswith("shegong."):
            if perm not in PERMISSIONS:
                raise ValueError(f"unknown policy permission {perm!r}")
            role = getattr(user_obj, "role", None)
            if user_obj.is_active and role in PERMISSIONS[perm]:
                return True
            raise PermissionDenied
        return super().has_perm(user_obj, perm, obj)
