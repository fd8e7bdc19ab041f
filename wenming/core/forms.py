import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import cleaning
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


# ---- what page forms and filters accept (the same rules as the API: wenming.core.cleaning) --

def _too_big(field: forms.Field, raw) -> bool:
    """A whole number beyond 64 bits typed into a number or a choice of rows: the database
    would refuse it with an OverflowError (SQLite) before the field could say it is invalid."""
    numeric = isinstance(field, forms.IntegerField | forms.ModelChoiceField) and \
        not isinstance(field, forms.FloatField | forms.DecimalField)
    items = raw if isinstance(raw, list | tuple) else [raw]
    return numeric and any(isinstance(v, str) and v.strip().isdigit()
                           and not cleaning.fits_int64(int(v.strip())) for v in items)


def clean_raw(field: forms.Field, raw):
    """Before a field parses what was typed: control characters refused, blank text
    (spaces and invisible characters only) made empty, so a required field says so."""
    if isinstance(raw, list | tuple):
        return type(raw)(clean_raw(field, item) for item in raw)
    if not isinstance(raw, str):
        return raw
    if cleaning.has_control_characters(raw):
        raise ValidationError(_("含有不允许的控制字符"), code="control_characters")
    if _too_big(field, raw):
        raise ValidationError(_("输入的值超出允许的范围"), code="out_of_range")
    return "" if cleaning.is_blank(raw) else raw


def check_cleaned(value) -> None:
    """After a field parsed it: times, dates and whole numbers within the platform's range."""
    message = _("日期须在 %(first)s 至 %(last)s 之间")
    bounds = {"first": cleaning.FIRST_DAY, "last": cleaning.LAST_DAY}
    if isinstance(value, datetime.datetime):
        if not cleaning.datetime_in_range(value):
            raise ValidationError(message, code="out_of_range", params=bounds)
    elif isinstance(value, datetime.date):
        if not cleaning.date_in_range(value):
            raise ValidationError(message, code="out_of_range", params=bounds)
    elif isinstance(value, int) and not isinstance(value, bool) \
            and not cleaning.fits_int64(value):
        raise ValidationError(_("输入的值超出允许的范围"), code="out_of_range")


def guard_field(field: forms.Field) -> forms.Field:
    """Wrap one field's clean() with the platform's rules (once)."""
    if getattr(field, "platform_rules", False):
        return field
    parse = field.clean

    def clean(value, *rest):  # FileField.clean also takes the initial value
        cleaned = parse(clean_raw(field, value), *rest)
        check_cleaned(cleaned)
        return cleaned

    field.clean = clean
    field.platform_rules = True
    return field


class CleanForm(forms.Form):
    """The base of every page form and filter: each field, whatever its type, and also those
    a subclass adds in __init__, gets the platform's input rules when the form is cleaned.
    (Fields are copied per form instance, so wrapping them changes no other form.)"""

    def full_clean(self):
        for field in self.fields.values():
            guard_field(field)
        super().full_clean()
