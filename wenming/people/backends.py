from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username or the 11-digit mobile number, and the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(Q(username=login) | Q(mobile=login)).order_by("pk").first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
