"""Reads of people, always through the caller's scope."""

import re
import unicodedata

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.orgs.models import OrgNode

from .models import AuditLog, AvailabilitySlot, Volunteer

# The scope reads live in permissions; other apps import them from here too.
from .permissions import volunteer_get_for_user, volunteers_for_user  # noqa: F401

# What a search box holds when it is a number: digits, perhaps spaced or dashed, perhaps a
# +86, perhaps an X at the end (full-width forms are folded first).
_NUMBER_LIKE = re.compile(r"^\+?[0-9][0-9\s-]*[0-9Xx]?$")
_WHOLE_ID = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
# A 志愿者编号 or its beginning (people.numbering): "V" and at least the district's six.
_VOLUNTEER_NO = re.compile(r"^V[0-9A-Z]{6}[0-9]{0,12}$")


def number_in_query(q: str) -> tuple[str, str] | None:
    """("mobile" | "id_number", the number) for a whole number; ("partial", "") for a
    number-like query that is not one (it matches nothing); None for a name."""
    text = unicodedata.normalize("NFKC", q).strip()
    if not text or not _NUMBER_LIKE.match(text):
        return None
    digits = re.sub(r"[\s-]", "", text).upper()
    if digits.startswith("+86"):
        digits = digits[3:]
    if len(digits) == 11 and digits.startswith("1") and digits.isdigit():
        return ("mobile", digits)
    if _WHOLE_ID.match(digits):
        return ("id_number", digits)
    return ("partial", "")


def volunteer_search(qs: QuerySet[Volunteer], *, by, ip: str | None = None,
                     org: OrgNode | None = None, q: str = "", skill: str = "", status: str = "",
                     political_status: str = "", tag: str = "") -> QuerySet[Volunteer]:
    """Filters of the staff volunteer list; `q` matches part of a name, or a WHOLE mobile or
    ID number. A part of a number matches nothing: prefixes would rebuild a masked number
    digit by digit. A search by a whole number writes an audit row (masked) for `by`."""
    if org is not None:
        qs = qs.filter(station__path__startswith=org.path)
    if _VOLUNTEER_NO.match(folded := unicodedata.normalize("NFKC", q).strip().upper()):
        # The 志愿者编号 says nothing about the person: searched by any prefix, not audited.
        return _narrow(qs.filter(volunteer_no__startswith=folded), skill=skill, status=status,
                       political_status=political_status, tag=tag)
    number = number_in_query(q)
    if number is None and q.strip():
        qs = qs.filter(real_name__contains=q.strip())
    elif number is not None:
        kind, value = number
        qs = qs.filter(**{"user__mobile" if kind == "mobile" else "id_number": value}) \
            if value else qs.none()
        if value:
            _number_search_audit(by=by, kind=kind, value=value, ip=ip)
    return _narrow(qs, skill=skill, status=status, political_status=political_status, tag=tag)


def _narrow(qs: QuerySet[Volunteer], *, skill: str, status: str, political_status: str,
            tag: str) -> QuerySet[Volunteer]:
    if skill:
        qs = qs.filter(skills__name=skill)
    if status:
        qs = qs.filter(status=status)
    if political_status:
        qs = qs.filter(political_status=political_status)
    if tag:
        # JSON containment is not portable to SQLite; a quoted match on the list is exact.
        qs = qs.filter(tags__icontains=f'"{tag}"')
    return qs.order_by("-id")


def _number_search_audit(*, by, kind: str, value: str, ip: str | None) -> None:
    from .services import audit_record

    masked = mask_mobile(value) if kind == "mobile" else mask_id_number(value)
    audit_record(actor=by, action=AuditLog.Action.SEARCH_NUMBER, object_type="people.volunteer",
                 detail={"kind": kind, "searched": masked}, ip=ip)


def name_copy_problems() -> list[str]:
    """Volunteers whose searchable copy of the name differs from their account's name."""
    return [f"volunteer {pk}: name copy {copy!r} != account {name!r}"
            for pk, copy, name in Volunteer.objects.exclude(real_name=F("user__real_name"))
            .values_list("pk", "real_name", "user__real_name")[:100]]


def slot_copy_problems() -> list[str]:
    """Volunteers whose `AvailabilitySlot` rows are not their `availability` at their home
    cell, as `services.volunteer_slots_write` writes them."""
    slots: dict[int, list[tuple]] = {}
    for pk, *slot in AvailabilitySlot.objects.values_list(
            "volunteer_id", "weekday", "start", "end", "cell").iterator(chunk_size=10_000):
        slots.setdefault(pk, []).append(tuple(slot))
    problems = []
    for pk, availability, cell in Volunteer.objects.values_list(
            "pk", "availability", "home_cell").iterator(chunk_size=10_000):
        want = sorted(((*row, cell) for row in AvailabilitySlot.rows_for(availability)),
                      key=_slot_order)
        have = sorted(slots.get(pk, []), key=_slot_order)
        if have != want:
            problems.append(f"volunteer {pk}: availability slots {have} != {want}")
    return problems[:100]


def _slot_order(row: tuple) -> tuple:
    return (-1 if row[0] is None else row[0], *row[1:])


def my_volunteer(user, message=None) -> Volunteer:
    """The caller's own volunteer profile, or 403 for an account that has none."""
    volunteer = Volunteer.objects.filter(user=user).select_related("user", "station").first()
    if volunteer is None:
        raise Forbidden(message or _("只有志愿者可以使用此功能"))
    return volunteer
