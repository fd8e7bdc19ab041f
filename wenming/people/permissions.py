"""Who may see and do what with people: the scope reads, a capabilities object per entity,
and the one function per entity that masks a person's numbers or reveals them (a reveal
for someone else is audited). Pages, the API and templates read these; services enforce."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.orgs.permissions import can_manage, is_staff_member, subtree_q

from .models import AuditLog, Resident, Volunteer


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


@dataclass(frozen=True)
class VolunteerCaps:
    is_self: bool
    sees_contact: bool  # full numbers and birth date without asking: only one's own
    can_reveal: bool  # may ask for them (staff of the subtree: audited)
    can_edit: bool  # the profile fields (self) or all of them (staff)
    can_edit_mobile: bool  # directly; a volunteer proves a new mobile by SMS code instead
    can_move: bool  # station and status
    can_approve: bool
    can_reset_password: bool


def volunteer_caps(user, volunteer: Volunteer) -> VolunteerCaps:
    is_self = user.is_authenticated and volunteer.user_id == user.pk
    manages = user.is_authenticated and can_manage(user, volunteer.station)
    return VolunteerCaps(
        is_self=is_self, sees_contact=is_self, can_reveal=is_self or manages,
        can_edit=is_self or manages, can_edit_mobile=manages, can_move=manages,
        can_approve=manages and volunteer.status == Volunteer.Status.PENDING,
        can_reset_password=manages and not is_self)


def volunteer_moves(caps: VolunteerCaps) -> list[str]:
    """The page's `data-move` buttons and the API's `allowed_moves`."""
    moves = {"reveal": caps.can_reveal and not caps.sees_contact,
             "approve": caps.can_approve, "reset_password": caps.can_reset_password}
    return [name for name, allowed in moves.items() if allowed]


@dataclass(frozen=True)
class PersonalData:
    """What a page or the API may show of a person: masked, or whole after a reveal.
    `birth_date` is None while masked: with the ID number's shown ends it would narrow
    the number to a handful (the age is shown instead)."""

    real_name: str
    mobile: str
    id_number: str
    birth_date: str | None
    age: int | None
    address: str
    masked: bool


def residents_for_user(user) -> QuerySet[Resident]:
    """Residents staff may act for (代点单, a wish posted on their behalf): those of the
    stations in their subtrees; nobody for anyone else."""
    if not is_staff_member(user):
        return Resident.objects.none()
    return Resident.objects.filter(subtree_q(user, "station__path")).select_related(
        "user", "station")


def resident_get_for_user(user, resident_id: int) -> Resident:
    resident = residents_for_user(user).filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("群众不存在"), code="unknown_resident")
    return resident


def _audit_reveal(user, obj, fields: list[str], ip: str | None) -> None:
    from .services import audit_record

    audit_record(actor=user, action=AuditLog.Action.VIEW_PERSONAL, obj=obj,
                 detail={"fields": fields}, ip=ip)


def volunteer_contact(user, volunteer: Volunteer, *, reveal: bool = False,
                      ip: str | None = None) -> PersonalData:
    """A volunteer's numbers for `user`: whole for the volunteer themself, whole for staff
    of the subtree who ask (`reveal`, audited), masked otherwise. Raises Forbidden for a
    reveal the caller may not make."""
    caps = volunteer_caps(user, volunteer)
    if reveal and not caps.can_reveal:
        raise Forbidden()
    age = volunteer.age_on(timezone.localdate())
    if not (caps.sees_contact or reveal):
        return PersonalData(real_name=volunteer.real_name, mobile=mask_mobile(volunteer.user.mobile),
                            id_number=mask_id_number(volunteer.id_number), birth_date=None,
                            age=age, address="", masked=True)
    if not caps.sees_contact:
        _audit_reveal(user, volunteer, ["mobile", "id_number"], ip)
    # `real_name` is the volunteer's copy of the account's name (people.services keeps it).
    return PersonalData(real_name=volunteer.real_name, mobile=volunteer.user.mobile or "",
                        id_number=volunteer.id_number,
                        birth_date=volunteer.birth_date.isoformat(), age=age, address="",
                        masked=False)


def resident_contact(user, resident: Resident, *, reveal: bool = False,
                     ip: str | None = None) -> PersonalData:
    """A resident's numbers and address: whole for the resident themself and for staff of
    their station's subtree who ask (audited); masked otherwise."""
    is_self = user.is_authenticated and resident.user_id == user.pk
    if reveal and not (is_self or can_manage(user, resident.station)):
        raise Forbidden()
    if not (is_self or reveal):
        return PersonalData(real_name=resident.user.real_name,
                            mobile=mask_mobile(resident.user.mobile),
                            id_number=mask_id_number(resident.id_number), birth_date=None,
                            age=None, address=resident.address[:6] + "…" if resident.address
                            else "", masked=True)
    if not is_self:
        _audit_reveal(user, resident, ["mobile", "id_number", "address"], ip)
    return PersonalData(real_name=resident.user.real_name, mobile=resident.user.mobile or "",
                        id_number=resident.id_number or "", birth_date=None, age=None,
                        address=resident.address, masked=False)
