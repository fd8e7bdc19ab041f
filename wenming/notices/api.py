"""Notices and news over JSON: the list, publishing, one notice, receipts, withdrawal."""

from ninja import Field, Query, Router, Status

from wenming.core.auth import optional_auth
from wenming.core.errors import Forbidden
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Strict
from wenming.orgs.permissions import org_get_for_user

from . import services
from .models import Notice
from .permissions import allowed_moves, notice_caps, notice_get_for_user, notices_for_user
from .selectors import image_url, notice_out, receipts

router = Router(tags=["notices 通知公告与新闻"])


class NoticeIn(Strict):
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=services.MAX_BODY)
    org_id: Id
    public: bool = False
    pinned: bool = False


class NoticeEdit(Strict):
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=services.MAX_BODY)
    pinned: bool = False


class NoticeFilter(PageQuery):
    org: Id | None = None
    public: bool | None = None


class WithdrawIn(Strict):
    reason: str = Field(..., max_length=200)


def _out(request, notice: Notice) -> dict:
    caps = notice_caps(request.user, notice)
    out = notice_out(notice, image_url=image_url(notice))
    out["allowed_moves"] = allowed_moves(request.user, notice, caps)
    if caps.sees_receipts:
        summary = receipts(notice)
        out["receipts"] = {"read": summary["read"], "total": summary["total"]}
    return out


@router.get("", auth=optional_auth, summary="通知公告与新闻动态（未登录只见公开新闻）")
def notice_list(request, filters: Query[NoticeFilter]):
    qs = notices_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.public is not None:
        qs = qs.filter(public=filters.public)
    return paginate(qs, filters, lambda n: _out(request, n))


@router.post("", response={201: dict}, summary="发布（public=true 为新闻，否则为发给下级工作人员的通知）")
def notice_create(request, payload: NoticeIn):
    org = org_get_for_user(request.user, payload.org_id)
    notice = services.notice_publish(by=request.user, org=org,
                                     **payload.dict(exclude={"org_id"}))
    return Status(201, _out(request, notice))


@router.get("/{notice_id}", auth=optional_auth, summary="一条通知或新闻（收件人打开即留下已读回执）")
def notice_get(request, notice_id: Id):
    notice = notice_get_for_user(request.user, notice_id)
    if request.user.is_authenticated:
        services.notice_mark_read(user=request.user, notice=notice)
    return _out(request, notice)


@router.patch("/{notice_id}", summary="修改")
def notice_edit(request, notice_id: Id, payload: NoticeEdit):
    notice = notice_get_for_user(request.user, notice_id)
    return _out(request, services.notice_update(by=request.user, notice=notice,
                                                **payload.dict()))


@router.post("/{notice_id}/withdraw", summary="撤回")
def notice_withdraw(request, notice_id: Id, payload: WithdrawIn):
    notice = notice_get_for_user(request.user, notice_id)
    return _out(request, services.notice_withdraw(by=request.user, notice=notice,
                                                  reason=payload.reason))


@router.get("/{notice_id}/receipts", summary="已读回执（发布阵地及上级工作人员）")
def notice_receipts(request, notice_id: Id):
    notice = notice_get_for_user(request.user, notice_id)
    if not notice_caps(request.user, notice).sees_receipts:
        raise Forbidden()
    return receipts(notice)
