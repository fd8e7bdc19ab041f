"""Reads for the notice pages and the API: one row's public shape, receipts, unread counts."""

from django.db.models import Exists, OuterRef, QuerySet

from wenming.people.models import User

from .models import Notice, NoticeRead
from .permissions import recipients


def notice_out(notice: Notice, *, image_url: str | None) -> dict:
    return {"id": notice.pk, "title": notice.title, "body": notice.body,
            "public": notice.public, "kind": notice.kind_label, "org_id": notice.org_id,
            "org": notice.org.name, "pinned": notice.pinned,
            "published_at": notice.published_at.isoformat(),
            "withdrawn": notice.withdrawn_at is not None, "image": image_url}


def image_url(notice: Notice) -> str | None:
    return f"/notices/{notice.pk}/image/{notice.image.name.rsplit('/', 1)[-1]}" if (
        notice.image) else None


def receipts(notice: Notice) -> dict:
    """Who of the recipients has read the notice, and who not yet."""
    people = recipients(notice).exclude(pk=notice.published_by_id).annotate(
        has_read=Exists(NoticeRead.objects.filter(notice=notice, user=OuterRef("pk")))
    ).order_by("-has_read", "real_name", "pk")
    rows = [{"user_id": u.pk, "name": u.real_name or u.username, "read": u.has_read}
            for u in people]
    return {"read": sum(r["read"] for r in rows), "total": len(rows), "people": rows}


def with_read_flag(qs: QuerySet[Notice], user: User) -> QuerySet[Notice]:
    if not user.is_authenticated:
        return qs
    return qs.annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"),
                                                                user=user)))
