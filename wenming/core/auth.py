"""How API callers authenticate: a bearer token, or the browser session (with CSRF)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        from wenming.people.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
            request.bearer_token = token  # what DELETE /api/auth/token revokes
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, whose writes must carry the CSRF token. Unlike ninja's
    `django_auth`, the CSRF check runs only for a logged-in session: a caller with no
    session (a mobile front end registering) has no ambient authority to forge, so it needs
    no CSRF cookie, and falls through to `anonymous` on the endpoints open to visitors."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not key or not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check Failed")
        return request.user


def anonymous(request):
    """Last resort of endpoints open to visitors. The session user is dropped, so a forged
    cross-site POST (which fails the CSRF check above) cannot act with a user's rights."""
    request.user = AnonymousUser()
    return True


session_auth = SessionAuth()
bearer_or_session = [BearerAuth(), session_auth]
optional_auth = [BearerAuth(), session_auth, anonymous]
