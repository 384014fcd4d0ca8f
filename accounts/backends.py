"""The sign-in backend: Django's ModelBackend, reading the signed-in user in one query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    """Every page shows the user's person or employer and whether they hold an API token:
    the session's user is read with those (one query where there were three)."""

    def get_user(self, user_id):
        model = get_user_model()
        users = model._default_manager.select_related("person", "employer", "auth_token")
        try:
            user = users.get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
