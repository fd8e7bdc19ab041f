"""Reads of points and stores beyond scope (which is `permissions`): what is on sale now,
and where a goods picture is served."""

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from .models import Goods


def on_sale(goods: QuerySet[Goods]) -> QuerySet[Goods]:
    """Goods a volunteer may redeem now: on sale and inside their active window."""
    now = timezone.now()
    return goods.filter(Q(active_from__isnull=True) | Q(active_from__lte=now),
                        Q(active_to__isnull=True) | Q(active_to__gt=now), is_active=True)


def picture_url(goods: Goods) -> str | None:
    """The picture's address: its view, by the goods and the file's random name (a new
    picture is a new address, so browsers may keep one)."""
    if not goods.picture:
        return None
    return reverse("goods_picture", args=[goods.pk, goods.picture.name.rsplit("/", 1)[-1]])
