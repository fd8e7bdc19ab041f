"""Reads of the wish wall: the wall itself and what a card may show. Who sees which wish is
`permissions` (`wishes_for_user`, `wish_caps`)."""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from wenming.core.masking import mask_name, mask_numbers_in_text
from wenming.orgs.models import OrgNode

from .models import State, Wish


def wall(org: OrgNode | None = None) -> QuerySet[Wish]:
    """Approved wishes waiting for a claimer, most urgent and newest first."""
    qs = Wish.objects.select_related("station").filter(state=State.APPROVED)
    if org is not None:
        qs = qs.filter(station__path__startswith=org.path)
    return qs.order_by("-urgency", "-created_at", "-id")


def public_view(wish: Wish) -> dict:
    """What the wall may show: never the phone, ID number, full name or exact address; the
    resident's own words with any mobile or ID number in them masked."""
    return {"id": wish.id, "title": mask_numbers_in_text(wish.title),
            "text": mask_numbers_in_text(wish.text),
            "for_whom": mask_numbers_in_text(wish.for_whom),
            "state": wish.state, "org_id": wish.station_id, "station_name": wish.station.name,
            "resident": mask_name(wish.resident.user.real_name), "urgency": wish.urgency,
            "due_date": wish.due_date.isoformat(), "rough_value": wish.rough_value,
            "created_at": timezone.localtime(wish.created_at).isoformat()}


def has_numbers(wish: Wish) -> bool:
    """Whether the wall would mask something in the wish's words: the moderator's warning."""
    return any(mask_numbers_in_text(t) != t for t in (wish.title, wish.text, wish.for_whom))


def private_view(wish: Wish) -> dict:
    """The private side, for those whose caps say `sees_private`: the words as written, who
    the resident is, why, and how it was fulfilled."""
    return {"title": wish.title, "text": wish.text, "for_whom": wish.for_whom,
            "reason": wish.reason, "fulfil_note": wish.fulfil_note,
            "resident_name": wish.resident.user.real_name, "has_numbers": has_numbers(wish)}


def photo_url(wish: Wish) -> str:
    """The photo's address: its view, by the wish and the file's random name (a new photo is a
    new address, so browsers may keep one)."""
    return reverse("wish_photo", args=[wish.pk, wish.photo.name.rsplit("/", 1)[-1]])
