"""What every app's admin shares: read-only ledgers, saves that go through a service, and
Chinese labels for the fields whose models name them only in code.

The Django admin is no second write path (STYLE.md, "the admin as a back door"): a model that
has services is either shown read-only here, or its admin save calls the service. Only
configuration with no service behind it (platforms, rules, time limits) is edited directly.
"""

import re
from collections.abc import Callable

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .forms import call_service

CJK = re.compile(r"[\u4e00-\u9fff]")

# Labels for fields that the models leave unnamed (their columns would read "created at",
# "user", ...). A field whose own verbose_name is Chinese keeps it.
LABELS = {
    "account": _("积分账户"), "activity": _("活动"), "actor": _("操作人"),
    "approved_at": _("审核时间"), "approved_by": _("审核人"), "at": _("时间"),
    "by": _("操作人"), "cell": _("位置网格"), "checkin_method": _("签到方式"),
    "checkout_method": _("签退方式"), "claimed_team": _("认领队伍"),
    "claimed_volunteer": _("认领志愿者"), "created_at": _("创建时间"), "created_by": _("创建人"),
    "decided_at": _("处理时间"), "decided_by": _("处理人"), "depth": _("层级"),
    "expires_at": _("过期时间"), "followers": _("关注者"), "from_state": _("原状态"),
    "goods": _("商品"), "id": _("编号"), "handled_at": _("领取时间"), "handled_by": _("经办人"),
    "idempotency_key": _("幂等键"), "ip": _("IP 地址"), "issued_by": _("出具人"),
    "lat": _("纬度"), "lng": _("经度"), "max_lat": _("最大纬度"), "max_lng": _("最大经度"),
    "min_lat": _("最小纬度"), "min_lng": _("最小经度"), "order": _("订单"),
    "order_id": _("订单编号"), "org": _("所属阵地"), "path": _("路径"),
    "platform": _("服务平台"), "posted_by": _("发布人"), "read_at": _("阅读时间"),
    "real_name": _("姓名"), "reason": _("原因"), "requested_at": _("申请时间"),
    "reverses": _("冲正的记录"), "source_id": _("来源编号"), "source_type": _("来源类型"),
    "store": _("爱心超市"), "team": _("队伍"), "to_state": _("新状态"),
    "updated_at": _("更新时间"), "user": _("用户"), "volunteer": _("志愿者"), "wish": _("微心愿"),
}


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None  # an admin method or "__str__"


def label_of(model, name: str):
    """The Chinese label of a field: None when its own verbose_name is Chinese already (or the
    name is no field), else the one in LABELS, if any."""
    field = _field(model, name)
    if field is None or CJK.search(str(getattr(field, "verbose_name", ""))):
        return None
    return LABELS.get(name)


def column(model, name: str) -> str | Callable:
    """A changelist column for `name`, titled in Chinese where the model leaves it in English."""
    label = label_of(model, name)
    if label is None:
        return name
    boolean = isinstance(_field(model, name), models.BooleanField)

    @admin.display(description=label, ordering=name, boolean=boolean)
    def show(obj):
        return getattr(obj, name)

    show.__name__ = name
    return show


class ChineseAdmin(admin.ModelAdmin):
    """Field labels and column titles in Chinese, for models that name fields only in code."""

    def labels(self) -> dict:
        labels = {f.name: label_of(self.model, f.name) for f in self.model._meta.get_fields()}
        return {name: label for name, label in labels.items() if label}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # Read-only fields in the detail view take their label from the form's Meta too.
        kwargs["labels"] = {**self.labels(), **kwargs.get("labels", {})}
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_display(self, request):
        return [column(self.model, n) if isinstance(n, str) else n
                for n in super().get_list_display(request)]

    def get_list_select_related(self, request):
        if self.list_select_related is not False:
            return self.list_select_related
        relations = [n for n in self.list_display
                     if isinstance(n, str) and isinstance(_field(self.model, n), models.ForeignKey)]
        return relations or False


class ReadOnlyAdmin(ChineseAdmin):
    """Shown, never written: the model changes only through its app's services (or is a
    ledger, which never changes). A POST to its change page is a 403."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a ledger under their parent (events under an order or a wish)."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    """A workflow's time line under its object (an order, a wish): who moved it, when, from
    which state to which, and why. `states` is the workflow's choices, for the labels."""

    states: type[models.TextChoices]
    verbose_name = verbose_name_plural = _("流转记录")
    fields = readonly_fields = ("moved_at", "moved_by", "moved_from", "moved_to", "why")

    def _label(self, value: str) -> str:
        return self.states(value).label if value in self.states.values else value

    @admin.display(description=_("时间"))
    def moved_at(self, event):
        return event.at

    @admin.display(description=_("操作人"))
    def moved_by(self, event):
        return event.by or "-"

    @admin.display(description=_("原状态"))
    def moved_from(self, event):
        return self._label(event.from_state)

    @admin.display(description=_("新状态"))
    def moved_to(self, event):
        return self._label(event.to_state)

    @admin.display(description=_("原因"))
    def why(self, event):
        return event.reason


class ServiceAddAdmin(ChineseAdmin):
    """An admin whose "add" is a service call: `create(request, data)` returns the new object.

    The service runs while the form validates, so its refusal (a ValidationError or a domain
    error) shows as a form error through `core.forms.call_service`, never a 500, and the rules
    stay in the service alone. Django's add view is one transaction, so nothing after the call
    can leave a half-made object. Subclasses decide what a change may touch (often nothing).
    """

    inlines = ()  # an invalid inline would keep the form's page after the service wrote

    def create(self, request, data: dict):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if change:
            return form
        owner = self

        class AddThroughService(form):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors:
                    self.created = call_service(self, owner.create, request=request,
                                                data=self.cleaned_data)

        return AddThroughService

    def save_form(self, request, form, change):
        return super().save_form(request, form, change) if change else form.created

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
