"""The big screen (数据大屏): reading links and what the screen shows."""

import re

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from wenming.core.errors import NotFound

from .models import ScreenLink
from .permissions import stats_caps, stats_org_get_for_user
from .selectors import Period, by_platform, calendar_period, figures, tree_of, trend

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe's alphabet
# What the hall shows: this month's and this year's figures; nothing personal.
SCREEN_FIGURES = ("volunteers", "active_volunteers", "teams", "activities", "hours",
                  "people_served", "orders_total", "dispatch_rate", "on_time_rate",
                  "satisfaction", "avg_rating", "wishes_posted", "wishes_fulfilled",
                  "star_levels", "orders")


def live_link(token: str) -> ScreenLink:
    """The link of a token, or 404 for an unknown or revoked one."""
    well_formed = TOKEN.fullmatch(token or "") is not None  # never send junk to the database
    link = ScreenLink.objects.select_related("org").filter(
        token=token, revoked_at__isnull=True).first() if well_formed else None
    if link is None:
        raise NotFound()
    return link


def screen_url(link: ScreenLink) -> str:
    return reverse("stats_screen", args=[link.token])


def links_of(user, org) -> list[ScreenLink]:
    if not stats_caps(user, org).manage_screens:
        return []
    return list(ScreenLink.objects.filter(org=org).order_by("-created_at", "-id"))


def link_get_for_user(user, link_id: int) -> ScreenLink:
    link = ScreenLink.objects.select_related("org").filter(pk=link_id).first()
    if link is None:
        raise NotFound()
    stats_org_get_for_user(user, link.org_id)
    return link


def _pick(data: dict) -> dict:
    return {k: data[k] for k in SCREEN_FIGURES}


SCREEN_CACHE_SECONDS = 60  # a hall's screens poll every minute; one count serves them all


def screen_payload(link: ScreenLink) -> dict:
    """What the screen shows; computed at most once a minute per node, however many screens
    (the link's validity is checked on every request, before this)."""
    return cache.get_or_set(f"stats-screen-{link.org_id}", lambda: _screen_figures(link),
                            SCREEN_CACHE_SECONDS)


def _screen_figures(link: ScreenLink) -> dict:
    node, today = link.org, timezone.localdate()
    tree = tree_of(node)
    month, year = calendar_period("month", today), calendar_period("year", today)
    month = Period(month.first, today)
    year_figures = figures(node, Period(year.first, today), tree=tree)
    return {
        "org": {"id": node.pk, "name": node.name, "kind": node.kind},
        "updated_at": f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "month": _pick(figures(node, month, tree=tree)),
        "year": _pick(year_figures),
        "children": [{"name": c["short_name"], "hours": c["hours"], "activities": c["activities"],
                      "volunteers": c["volunteers"], "orders_total": c["orders_total"]}
                     for c in year_figures["children"]],
        "trend": trend(node, today),
        "platforms": by_platform(node, Period(year.first, today)),
    }
