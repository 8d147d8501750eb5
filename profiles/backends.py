"""Log-in backend that loads the user's membership and organisation with the user: one query per request, not three."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class MembershipBackend(ModelBackend):
    """Django's model backend; every page reads the membership (tenant gate, header), so fetch it in the same query."""

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("membership__organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
