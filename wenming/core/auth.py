"""How API callers authenticate: a bearer token, or the browser session (with CSRF)."""

from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer, django_auth


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        from wenming.people.services import token_user

        user = token_user(token)
        if user is not None:
            request.user = user
        return user


def anonymous(request):
    """Last resort of endpoints open to visitors. The session user is dropped, so a forged
    cross-site POST (which fails the CSRF check above) cannot act with a user's rights."""
    request.user = AnonymousUser()
    return True


bearer_or_session = [BearerAuth(), django_auth]
optional_auth = [BearerAuth(), django_auth, anonymous]
