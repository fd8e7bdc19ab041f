"""The demo district's rooms: a 暖客厅, an activity room, a counselling room (approval needed)
and a library at sta1, an activity room at sta2, and rooms at a few more stations and points;
this week and next booked through the services (some waiting for approval, some confirmed),
and last week's bookings (written as they would have been then, with their events) marked
used or no-show."""

import datetime

from django.db.models import Q
from django.utils import timezone

from wenming.core.errors import Conflict
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.people.models import User

from . import services
from .models import Booking, BookingEvent, Room, State

WEEKDAYS_9_TO_9 = {str(d): ["09:00", "21:00"] for d in range(7)}
OFFICE = {str(d): ["08:30", "17:30"] for d in range(5)}
PURPOSES = ["老年合唱排练", "书法兴趣小组", "社区议事会", "亲子阅读会", "太极拳晨练", "志愿者培训",
            "健康讲座", "棋牌交流", "手工编织课", "心理健康咨询"]


def _node_of(user: User) -> OrgNode:
    return user.role_assignments.select_related("org").first().org


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    sta1, sta2 = _node_of(users["sta1"]), _node_of(users["sta2"])
    admin = users["admin"]
    rooms = [
        services.room_create(by=admin, org=sta1, name=f"{sta1.name[:4]}暖客厅", kind="parlour",
                             capacity=30, equipment="茶具、沙发、电视", opening_hours=WEEKDAYS_9_TO_9),
        services.room_create(by=admin, org=sta1, name="多功能活动室", kind="activity", capacity=60,
                             equipment="投影、音响、折叠桌椅", opening_hours=WEEKDAYS_9_TO_9),
        services.room_create(by=admin, org=sta1, name="心理疏导室", kind="counselling",
                             capacity=4, equipment="沙盘、放松椅", opening_hours=OFFICE,
                             needs_approval=True),
        services.room_create(by=admin, org=sta1, name="农家书屋", kind="library", capacity=20,
                             equipment="图书3000册、阅览桌", opening_hours=WEEKDAYS_9_TO_9),
        services.room_create(by=admin, org=sta2, name="多功能活动室", kind="activity", capacity=40,
                             equipment="投影、音响", opening_hours=WEEKDAYS_9_TO_9,
                             needs_approval=True),
    ]
    more = OrgNode.objects.filter(Q(kind=OrgNode.Kind.STATION) | Q(kind=OrgNode.Kind.POINT)
                                  ).exclude(pk__in=[sta1.pk, sta2.pk]).order_by("path")
    for org in more[:8 if size == "small" else 40]:
        rooms.append(services.room_create(by=admin, org=org, name=f"{org.name[:6]}活动室",
                                          kind=rng.choice(["parlour", "activity", "library"]),
                                          capacity=rng.choice([20, 30, 50]),
                                          opening_hours=WEEKDAYS_9_TO_9))
    bookers = _bookers(users, sta1)
    for room in rooms[:5]:
        _book_ahead(room, bookers, rng)
        _last_week(room, bookers, users["sta1"], rng)


def _bookers(users: dict[str, User], sta1: OrgNode) -> list[User]:
    residents = list(User.objects.filter(resident__station=sta1).order_by("pk")[:6])
    staff = list(User.objects.filter(role_assignments__role=RoleAssignment.Role.STAFF,
                                     role_assignments__org=sta1)[:1])
    return [users["res1"], users["vol1"], *residents, *staff] or [users["res1"]]


def _book_ahead(room: Room, bookers: list[User], rng) -> None:
    """This week and next, through the service: confirmed, or pending where approval is due."""
    today = timezone.localdate()
    for offset in range(1, 12):
        day = today + datetime.timedelta(days=offset)
        if room.hours_on(day) is None:
            continue
        for hour in rng.sample([9, 10, 14, 15, 19], k=rng.choice([1, 2, 2, 3])):
            if not room.hours_on(day)[0].hour <= hour < room.hours_on(day)[1].hour - 1:
                continue
            by = rng.choice(bookers)
            if not _may_book(by, room):
                continue
            try:
                services.booking_create(by=by, room=room, start=_at(day, hour),
                                        end=_at(day, hour + rng.choice([1, 2])),
                                        purpose=rng.choice(PURPOSES),
                                        attendees=min(room.capacity, rng.randint(3, 25)))
            except Conflict:
                continue  # the slot went to an earlier booking, as it would on the page


def _may_book(user: User, room: Room) -> bool:
    from .permissions import room_caps

    return room_caps(user, room).can_book


def _last_week(room: Room, bookers: list[User], staff: User, rng) -> None:
    """Past slots cannot be booked through the service (it refuses the past): written as the
    service wrote them then, with their events, and marked used or no-show by the staff."""
    today = timezone.localdate()
    for offset in range(1, 8):
        day = today - datetime.timedelta(days=offset)
        if room.hours_on(day) is None or rng.random() < 0.4:
            continue
        by = rng.choice(bookers)
        outcome = State.NO_SHOW if rng.random() < 0.15 else State.ATTENDED
        booking = Booking.objects.create(room=room, start=_at(day, 10), end=_at(day, 12),
                                         purpose=rng.choice(PURPOSES), booked_by=by,
                                         attendees=min(room.capacity, rng.randint(3, 25)),
                                         state=outcome)
        BookingEvent.objects.bulk_create([
            BookingEvent(booking=booking, from_state="", to_state=State.CONFIRMED, by=by),
            BookingEvent(booking=booking, from_state=State.CONFIRMED, to_state=outcome,
                         by=staff)])


