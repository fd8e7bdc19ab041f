"""Login: which account a typed login means, for the password check and for the lockout."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import User
from .validators import normalize_mobile


def account_for_login(typed: str | None) -> User | None:
    """The account a typed login names: its username, its mobile however written
    ("+86 138-1234-5678"), or its username in other letter case when only one account has
    it. Both the password check and the lockout counter read this, so every way of naming
    one account is one account."""
    login = (typed or "").strip()
    if not login:
        return None
    try:
        mobile = normalize_mobile(login)
    except ValidationError:
        mobile = None
    exact = (Q(username=login) | Q(mobile=mobile)) if mobile else Q(username=login)
    # Username before mobile, as before: an exact username is never shadowed.
    found = sorted(User.objects.filter(exact)[:2], key=lambda u: u.username != login)
    if found:
        return found[0]
    folded = list(User.objects.filter(username__iexact=login)[:2])
    return folded[0] if len(folded) == 1 else None


def lockout_username(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the failure counter's key is the account's username, so an
    alias (mobile, spaces, letter case) of one account counts against the same account; an
    unknown login counts under its trimmed lower-case form."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    account = account_for_login(typed)
    return account.username if account else (typed or "").strip().lower()


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username or the 11-digit mobile number, and the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = account_for_login(username)
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
