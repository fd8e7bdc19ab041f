"""Who sees and does what in 宣讲.

The roster, the lecture menu and the 讲堂 are read by everyone with a role in the district
(and by a unit's account, through its unit's node). A booking is seen by the staff above the
lecture's node (who confirm, decline and report it), the staff above the node it is for, the
unit it was made for, whoever made it, and its audience (people whose own node lies under
the booking's node) once it has been given. `booking_caps` is the one rule: services enforce
it, pages and the API read it (`allowed_moves`).
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.errors import NotFound
from wenming.orgs.permissions import can_manage, is_platform_admin, roles_of, subtree_q
from wenming.partners.permissions import units_of_user

from .models import MOVES, WORKFLOW, Booking, Lecture, Lecturer, Series, State


def _districts(user) -> set[str]:
    paths = [r.org.path for r in roles_of(user) if r.org]
    paths += list(units_of_user(user).values_list("org__path", flat=True))
    return {p.strip("/").split("/")[0] for p in paths}


def _in_district(user, field: str) -> Q:
    if is_platform_admin(user):
        return Q()
    return reduce(or_, (Q(**{f"{field}__startswith": f"/{d}/"}) for d in _districts(user)),
                  Q(pk__in=[]))


def lecturers_for_user(user) -> QuerySet[Lecturer]:
    return Lecturer.objects.filter(_in_district(user, "org__path")).select_related("team", "org")


def lectures_for_user(user) -> QuerySet[Lecture]:
    return Lecture.objects.filter(_in_district(user, "org__path")).select_related(
        "lecturer", "team", "series", "org", "platform")


def series_for_user(user) -> QuerySet[Series]:
    return Series.objects.filter(_in_district(user, "org__path"))


def _audience_q(user) -> Q:
    """Given lectures at a node on the way up from one of the user's own nodes."""
    parts = []
    for r in roles_of(user):
        if r.org:
            ids = r.org.path.strip("/").split("/")
            parts += [Q(org__path="/" + "/".join(ids[:n]) + "/") for n in range(1, len(ids) + 1)]
    return Q(state=State.DONE) & reduce(or_, parts, Q(pk__in=[]))


def bookings_for_user(user) -> QuerySet[Booking]:
    qs = Booking.objects.select_related("lecture__org", "lecture__platform", "lecturer", "org",
                                        "unit", "activity")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = subtree_q(user, "lecture__org__path") | subtree_q(user, "org__path") | Q(
        booked_by=user) | Q(unit__in=units_of_user(user)) | _audience_q(user) | Q(
        lecturer__volunteer__user=user)
    return qs.filter(scope)


def booking_get_for_user(user, booking_id: int) -> Booking:
    booking = bookings_for_user(user).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking


def lecture_get_for_user(user, lecture_id: int) -> Lecture:
    lecture = lectures_for_user(user).filter(pk=lecture_id).first()
    if lecture is None:
        raise NotFound()
    return lecture


def lecturer_get_for_user(user, lecturer_id: int) -> Lecturer:
    lecturer = lecturers_for_user(user).filter(pk=lecturer_id).first()
    if lecturer is None:
        raise NotFound()
    return lecturer


def is_booker(user, booking: Booking) -> bool:
    """The side that asked for the lecture: the node's staff, the unit, whoever booked."""
    return user.is_authenticated and (
        booking.booked_by_id == user.pk or can_manage(user, booking.org) or (
            booking.unit_id is not None and units_of_user(user).filter(
                pk=booking.unit_id).exists()))


def is_lecturer(user, lecturer: Lecturer) -> bool:
    """The person the roster entry is: its volunteer's account."""
    return user.is_authenticated and lecturer.volunteer_id is not None and \
        Lecturer.objects.filter(pk=lecturer.pk, volunteer__user=user).exists()


def lecturers_of_user(user) -> QuerySet[Lecturer]:
    """The roster entries that are the user themself (a volunteer who lectures)."""
    if not user.is_authenticated:
        return Lecturer.objects.none()
    return Lecturer.objects.filter(volunteer__user=user, is_active=True)


@dataclass(frozen=True)
class LecturerCaps:
    is_self: bool
    manages: bool  # staff above the lecturer's node or the node of their team
    sees_calendar: bool


def lecturer_caps(user, lecturer: Lecturer) -> LecturerCaps:
    manages = can_manage(user, lecturer.org) or (
        lecturer.team_id is not None and can_manage(user, lecturer.team.org))
    is_self = is_lecturer(user, lecturer)
    return LecturerCaps(is_self=is_self, manages=manages, sees_calendar=is_self or manages)


@dataclass(frozen=True)
class BookingCaps:
    organises: bool  # staff above the lecture's node
    books: bool
    gives: bool  # the lecturer booked: sees it, makes no move, does not rate themself
    can_confirm: bool
    can_decline: bool
    can_cancel: bool
    can_report: bool
    can_rate: bool
    can_add_photo: bool
    sees_contact: bool


def booking_caps(user, booking: Booking) -> BookingCaps:
    organises = can_manage(user, booking.lecture.org)
    books = is_booker(user, booking)
    gives = is_lecturer(user, booking.lecturer)
    started = booking.start <= timezone.now()
    return BookingCaps(
        organises=organises, books=books, gives=gives, can_confirm=organises,
        can_decline=organises, can_cancel=organises or books, can_report=organises and started,
        can_rate=user.is_authenticated and not organises and not gives,
        can_add_photo=organises or books, sees_contact=organises or books)


CAP_OF_MOVE = {"confirm": "can_confirm", "decline": "can_decline", "cancel": "can_cancel",
               "report": "can_report"}


def allowed_moves(user, booking: Booking, caps: BookingCaps | None = None) -> list[str]:
    caps = caps or booking_caps(user, booking)
    return [m for m, to in MOVES.items()
            if getattr(caps, CAP_OF_MOVE[m]) and WORKFLOW.can(booking.state, to)]


def can_book_for(user) -> bool:
    """Whether the booking pages offer a form: staff of a node, or a unit's account."""
    from wenming.orgs.permissions import is_staff_member

    return is_staff_member(user) or units_of_user(user).exists()
