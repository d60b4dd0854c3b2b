from django.contrib.auth.backends import ModelBackend

from .models import User


class ShegongBackend(ModelBackend):
    """Django's backend, loading the scope region and station with the user.

    Every page shows them and every restriction reads them: one query instead of three.
    """

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("scope_region", "station").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
