"""Notice and news pages: the lists, one notice (with its read receipts), publishing,
editing, withdrawing, a node's public news page, and the picture view.

Thin: scope from `permissions` (NotFound → 404), a form, one service, a page; what a page
offers comes from `notice_caps`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import NotFound
from wenming.core.forms import call_service
from wenming.core.uploads import file_response
from wenming.core.views import flash_errors
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member
from wenming.people.views import staff_required

from . import services
from .forms import NoticeFilterForm, NoticeForm, WithdrawForm
from .permissions import (
    allowed_moves,
    news_in,
    notice_caps,
    notice_get_for_user,
    notices_for_user,
    publishing_nodes,
)
from .selectors import image_url, receipts, with_read_flag

PER_PAGE = 20


def _with_images(page):
    for notice in page:
        notice.image_src = image_url(notice)
    return page


def notice_list(request):
    """News for everyone; staff also see the notices addressed to them and their subtree's."""
    form = NoticeFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    staff = request.user.is_authenticated and is_staff_member(request.user)
    kind = kind or ("notice" if staff else "news")
    qs = notices_for_user(request.user).filter(public=(kind == "news"))
    if kind == "news" or not staff:
        qs = qs.filter(withdrawn_at__isnull=True, public=True)
    page = Paginator(with_read_flag(qs, request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": _with_images(page), "kind": kind,
                                                 "staff": staff})


def notice_detail(request, pk: int):
    notice = notice_get_for_user(request.user, pk)
    if request.user.is_authenticated:
        services.notice_mark_read(user=request.user, notice=notice)
    caps = notice_caps(request.user, notice)
    return render(request, "notices/detail.html", {
        "notice": notice, "caps": caps, "moves": allowed_moves(request.user, notice, caps),
        "image": image_url(notice), "withdraw_form": WithdrawForm(),
        "receipts": receipts(notice) if caps.sees_receipts else None})


@staff_required
def notice_new(request):
    form = NoticeForm(request.POST or None, request.FILES or None,
                      nodes=publishing_nodes(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        notice = call_service(form, services.notice_publish, by=request.user, org=d["org"],
                              title=d["title"], body=d["body"], public=d["public"],
                              image=d["image"], pinned=d["pinned"])
        if notice:
            messages.success(request, _("已发布"))
            return redirect("notice_detail", pk=notice.pk)
    return render(request, "notices/form.html", {"form": form, "editing": False})


@staff_required
def notice_edit(request, pk: int):
    notice = notice_get_for_user(request.user, pk)
    if not notice_caps(request.user, notice).can_edit:
        return redirect("notice_detail", pk=pk)
    initial = {"title": notice.title, "body": notice.body, "pinned": notice.pinned}
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial,
                      nodes=publishing_nodes(request.user), editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if call_service(form, services.notice_update, by=request.user, notice=notice,
                        title=d["title"], body=d["body"], pinned=d["pinned"], image=d["image"]):
            messages.success(request, _("已保存"))
            return redirect("notice_detail", pk=pk)
    return render(request, "notices/form.html", {"form": form, "editing": True,
                                                 "notice": notice})


@require_POST
@login_required
def notice_withdraw(request, pk: int):
    notice = notice_get_for_user(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
    elif call_service(form, services.notice_withdraw, by=request.user, notice=notice,
                      reason=form.cleaned_data["reason"]):
        messages.success(request, _("已撤回"))
    else:
        flash_errors(request, form)
    return redirect("notice_detail", pk=pk)


def org_news(request, org_id: int):
    """A node's public page: its own and its subtree's news, for anyone."""
    node = get_object_or_404(OrgNode, pk=org_id)
    page = Paginator(news_in(node), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/org_news.html", {"node": node, "page": _with_images(page)})


def notice_image(request, pk: int, name: str):
    notice = notice_get_for_user(request.user, pk)
    if not notice.image or notice.image.name.rsplit("/", 1)[-1] != name:
        raise NotFound()
    return file_response(notice.image)
