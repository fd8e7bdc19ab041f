from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from .errors import Conflict, DomainError


def call_service(form: forms.Form, service, **kwargs):
    """Run a service for a valid form; its refusal becomes a form error, never a 500."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        form.add_error(None, exc)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
    return None


def attempt(request, service, done: str = "", **kwargs):
    """Run one service; a refusal (invalid input, a conflict) becomes a message on the next
    page, never a 500. Scope errors (NotFound, Forbidden) go on to the 404/403 pages."""
    try:
        result = service(**kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return None
    if done:
        messages.success(request, done)
    return result


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "tel", **(attrs or {})})
