"""Helpers shared by the wish tests (this module holds no tests)."""

import datetime

from django.utils import timezone

from wenming.wishes import services
from wenming.wishes.models import Wish, WishEvent


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def body(**fields) -> dict:
    """A valid POST /api/wishes body."""
    return {"title": "想要一副老花镜", "text": "眼睛花了，看报纸看不清，想要一副300度的老花镜。",
            "due_date": in_days(10).isoformat(), "reason": "子女在外地", "for_whom": "自己",
            "rough_value": 50, **fields}


def posted(world, **fields) -> Wish:
    fields = {"title": "想要一副老花镜", "text": "看报纸看不清", "due_date": in_days(10),
              **fields}
    return services.wish_post(by=world.res1.user, **fields)


def approved(world, **fields) -> Wish:
    return services.wish_moderate(by=world.sta1_staff, wish=posted(world, **fields), approve=True)


def claimed(world, volunteer=None, **fields) -> Wish:
    return services.wish_claim(by=(volunteer or world.vol1).user, wish=approved(world, **fields))


def fulfilled(world, volunteer=None, **fields) -> Wish:
    volunteer = volunteer or world.vol1
    return services.wish_fulfil(by=volunteer.user, wish=claimed(world, volunteer, **fields),
                                note="已买好送到家中")


def history(wish) -> list[tuple[str, str, int | None, str]]:
    return list(WishEvent.objects.filter(wish=wish).values_list(
        "from_state", "to_state", "by", "reason"))


def stored(wish) -> Wish:
    return Wish.objects.get(pk=wish.pk)
