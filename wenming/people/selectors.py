"""Reads of people, always through the caller's scope."""

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member, subtree_q

from .models import AvailabilitySlot, Volunteer


def volunteers_for_user(user) -> QuerySet[Volunteer]:
    """Staff: volunteers of their subtrees; a volunteer: only themself; others: none."""
    qs = Volunteer.objects.select_related("user", "station")
    if is_staff_member(user):
        return qs.filter(subtree_q(user, "station__path"))
    if user.is_authenticated:
        return qs.filter(user=user)
    return qs.none()


def volunteer_get_for_user(user, volunteer_id: int) -> Volunteer:
    volunteer = volunteers_for_user(user).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise NotFound()
    return volunteer


def volunteer_search(qs: QuerySet[Volunteer], *, org: OrgNode | None = None, q: str = "",
                     skill: str = "", status: str = "", political_status: str = "",
                     tag: str = "") -> QuerySet[Volunteer]:
    """Filters of the staff volunteer list; `q` matches a name, or a mobile or ID number."""
    if org is not None:
        qs = qs.filter(station__path__startswith=org.path)
    q = q.strip()
    if q.isdigit() or (q[:-1].isdigit() and q[-1:] in "xX" and len(q) == 18):
        qs = qs.filter(Q(user__mobile__startswith=q) | Q(id_number=q.upper()))
    elif q:
        qs = qs.filter(real_name__contains=q)
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
