"""Publishing, editing and withdrawing notices and news; read receipts.

The body is stored sanitised (nh3, the Rust `ammonia` sanitiser): only the few tags a notice
needs survive, links keep http(s)/mailto and get rel="noopener noreferrer", and nothing that
runs (script, event attributes, javascript: URLs, style) is ever stored. Plain text with line
breaks becomes paragraphs, so staff who type no HTML get the layout they typed.
"""

import re

import nh3
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from wenming.core.cleaning import checked_text
from wenming.core.errors import Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import require_manage
from wenming.people.models import User

from .models import Notice, NoticeRead
from .permissions import notice_caps, recipients

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote",
        "a", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
MAX_BODY = 20_000
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z]")


def clean_body(body: str | None) -> str:
    """The body as it is stored and shown: sanitised HTML with some visible text."""
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise ValidationError(_("正文不能超过%(n)d个字符") % {"n": MAX_BODY}, code="invalid_body")
    html = body if _LOOKS_LIKE_HTML.search(body) else linebreaks(body, autoescape=True)
    cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES,
                        url_schemes={"http", "https", "mailto"},
                        link_rel="noopener noreferrer")
    if len(nh3.clean(cleaned, tags=set()).strip()) < 2:
        raise ValidationError(_("正文不能为空"), code="invalid_body")
    return cleaned


def _fields(title, body) -> dict:
    return {"title": checked_text(title, name=_("标题"), low=2, high=100),
            "body": clean_body(body)}


@transaction.atomic
def notice_publish(*, by: User, org: OrgNode, title: str, body: str, public: bool,
                   image=None, pinned: bool = False) -> Notice:
    """A notice reaches the inbox of every staff member of the node's subtree; news goes to
    the public pages."""
    require_manage(by, org)
    notice = Notice.objects.create(
        org=org, public=public, pinned=pinned, published_by=by,
        image=checked_image(image, stem="image") if image else "", **_fields(title, body))
    if not public:
        notify(users=recipients(notice).exclude(pk=by.pk), title=_("新通知：%(t)s") % {
            "t": notice.title}, body=notice.org.name, url=f"/notices/{notice.pk}/")
    return notice


def _locked(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().select_related("org").get(pk=notice.pk)


@transaction.atomic
def notice_update(*, by: User, notice: Notice, title: str, body: str, pinned: bool,
                  image=None) -> Notice:
    notice = _locked(notice)
    if not notice_caps(by, notice).can_edit:
        raise Forbidden(_("只有发布阵地的工作人员可以修改"))
    for field, value in _fields(title, body).items():
        setattr(notice, field, value)
    notice.pinned = pinned
    if image:
        notice.image = checked_image(image, stem="image")
    notice.save()
    return notice


@transaction.atomic
def notice_withdraw(*, by: User, notice: Notice, reason: str) -> Notice:
    notice = _locked(notice)
    if not notice_caps(by, notice).can_withdraw:
        raise Forbidden(_("只有发布阵地的工作人员可以撤回"))
    notice.withdraw_reason = checked_text(reason, name=_("撤回原因"), low=2, high=200)
    notice.withdrawn_at, notice.withdrawn_by = timezone.now(), by
    notice.save(update_fields=["withdraw_reason", "withdrawn_at", "withdrawn_by", "updated_at"])
    return notice


def notice_mark_read(*, user: User, notice: Notice) -> bool:
    """Leave the user's read receipt when the notice is addressed to them; the first opening
    counts, a second (or two at once) changes nothing. True when one was written now."""
    if not notice_caps(user, notice).is_recipient:
        return False
    try:
        with transaction.atomic():
            NoticeRead.objects.create(notice=notice, user=user)
    except IntegrityError:
        return False
    return True
