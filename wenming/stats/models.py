"""数据统计: the figures are read from the other apps' tables; the only rows of its own are
the big screen's links."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.models import OrgNode


def new_screen_token() -> str:
    return secrets.token_urlsafe(32)


class ScreenLink(models.Model):
    """A link that opens a node's big screen (数据大屏) without a login, until revoked."""

    org = models.ForeignKey(OrgNode, verbose_name=_("阵地"), on_delete=models.CASCADE,
                            related_name="screen_links")
    label = models.CharField(_("名称"), max_length=60)
    token = models.CharField(max_length=64, unique=True, default=new_screen_token,
                             editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("大屏链接")
        verbose_name_plural = _("大屏链接")
        indexes = [models.Index(fields=["org", "created_at"], name="screen_link_org")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class Span(models.TextChoices):
    MONTH = "M", _("月")
    YEAR = "Y", _("年")
    ALL = "A", _("累计")


class VolunteerPeriod(models.Model):
    """One volunteer's approved service and points in a month, a year, or all time: the
    rollup the dashboards (active volunteers, star levels, points) and the rankings read
    instead of a million ledger lines.

    Written only by `stats.rollup`, in the transaction of the ledger write that moves it
    (`activities.services`: approvals, reversals, bulk imports; `points.services`: every
    entry); `wenming check-ledger` proves it equals the ledgers. Hours are whole hundredths
    (`cents`), so sums are exact on every database. `station` is the volunteer's station now
    (the dashboards and rankings group by it), moved with the volunteer (`rollup.moved`)."""

    volunteer = models.ForeignKey("people.Volunteer", on_delete=models.CASCADE,
                                  related_name="+", db_index=False)
    station = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    span = models.CharField(max_length=1, choices=Span.choices)
    start = models.DateField()  # the month's or year's first day; 2000-01-01 for all time
    cents = models.BigIntegerField(default=0)  # net approved hours × 100
    # approved lines, a reversing line included: > 0 when the volunteer has any line in the
    # period, which is what puts them in a ranking (even at a net zero)
    lines = models.IntegerField(default=0)
    activities = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    points_earned = models.BigIntegerField(default=0)
    points_spent = models.BigIntegerField(default=0)  # net of refunds

    class Meta:
        constraints = [models.UniqueConstraint(fields=["span", "start", "volunteer"],
                                               name="volunteer_period_key")]
        indexes = [
            # a node's figures: its stations' rows of one period
            # (the figures it sums ride along, so SQLite and PostgreSQL read the index only)
            models.Index(fields=["span", "start", "station", "cents", "points_earned",
                                 "points_spent"], name="volunteer_period_station"),
            # star levels: only the all-time rows above the first threshold; rankings: a
            # period's rows with what the score needs (read from the index alone)
            models.Index(fields=["span", "start", "cents", "lines", "activities", "orders",
                                 "volunteer"], name="volunteer_period_cents"),
            models.Index(fields=["volunteer"], name="volunteer_period_volunteer"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.span} {self.start}"


class NodePeriod(models.Model):
    """A node's tally of one figure in a month, a year or all time: the rollup the
    dashboards read for the figures of other apps' tables (registered volunteers, orders by
    state, platform and grid) instead of grouping 100,000 volunteers or every order.

    One row per node **on the path** of the row's station (the station, its institute, the
    center): a node's figure and each child's are one row each, whatever the subtree's size.
    Written only by `stats.tally`, in the transaction of the write that moves it (the
    volunteer's save, `people_bulk_register`, `orders.services.order_transition`);
    `wenming check-ledger` proves it equals its sources. `metric` names the figure
    (`stats.tally` lists them); `value` is a count or a sum."""

    org = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+",
                            db_index=False)
    span = models.CharField(max_length=1, choices=Span.choices)
    start = models.DateField()  # the month's or year's first day; 2000-01-01 for all time
    metric = models.CharField(max_length=32)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["span", "start", "org", "metric"],
                                               name="node_period_key")]
        indexes = [
            # a node's and its children's figures of one period, the value read from the
            # index alone (SQLite and PostgreSQL)
            models.Index(fields=["span", "start", "org", "metric", "value"],
                         name="node_period_read"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.span} {self.start} {self.metric}"
