from django import forms
from django.core.exceptions import ValidationError

from .errors import DomainError


def call_service(form: forms.Form, service, **kwargs):
    """Run a service for a valid form; its refusal becomes a form error, never a 500."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        form.add_error(None, exc)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
    return None


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "tel", **(attrs or {})})
