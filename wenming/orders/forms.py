"""Page forms of the order pipeline. They check shape and turn taps into values; the rules
(place inside the district, wished time, who may do what) stay in wenming.orders.services."""

import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import visible_orgs
from wenming.people.models import Resident, Volunteer
from wenming.people.permissions import resident_contact, residents_for_user
from wenming.teams.models import Team

from .batch import MAX_CAPACITY
from .models import ServiceOrder, State, in_group
from .permissions import in_subtree_q

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

# One-tap common needs per platform (codes of the five default platforms); an appeal
# (民呼我应) offers the usual neighbourhood problems instead.
COMMON_NEEDS = {
    "theory": [_("政策宣讲进小区"), _("老年人防诈骗宣传"), _("党史故事分享会")],
    "education": [_("孩子课后作业辅导"), _("教老人用智能手机"), _("家庭教育咨询")],
    "culture": [_("文艺演出进社区"), _("书法绘画辅导"), _("广场舞排练指导")],
    "science": [_("手机电脑使用帮助"), _("小家电简单维修"), _("防范电信诈骗科普")],
    "health": [_("上门量血压、测血糖"), _("陪同老人就医"), _("居家健身指导")],
}
COMMON_PROBLEMS = [_("楼道堆放杂物"), _("路灯损坏不亮"), _("噪音扰民"), _("垃圾清运不及时"),
                   _("公共设施损坏")]


def needs_for(platform_code: str, kind: str) -> list:
    return COMMON_PROBLEMS if kind == ServiceOrder.Kind.APPEAL else COMMON_NEEDS.get(
        platform_code, [])


class StartForm(CleanForm):
    """The query string the three steps carry: which kind of order, and for whom (代点单)."""

    kind = forms.ChoiceField(choices=ServiceOrder.Kind.choices, required=False)
    resident = forms.IntegerField(required=False, min_value=1)

    def values(self) -> tuple[str, int | None]:
        d = self.cleaned_data if self.is_valid() else {}
        return d.get("kind") or ServiceOrder.Kind.SERVICE, d.get("resident")


class OrderForm(CleanForm):
    """Step 2: what is needed, where and when. Step 3 is its submit button."""

    WHEN = [("today", _("今天尽快")), ("tomorrow", _("明天上午")), ("pick", _("选个时间"))]

    text = forms.CharField(label=_("需要什么帮助"), min_length=2, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}), error_messages={
                               "required": _("请说一说您需要什么帮助"),
                               "min_length": _("请再多写几个字（至少2个字）")})
    address = forms.CharField(label=_("地点"), max_length=200,
                              error_messages={"required": _("请填写地点")})
    lat = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput,
                           error_messages={"required": _("请确认地点：用住址定位或点“用我现在的位置”")})
    lng = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput,
                           error_messages={"required": _("请确认地点：用住址定位或点“用我现在的位置”")})
    when = forms.ChoiceField(label=_("什么时候"), choices=WHEN, initial="today",
                             widget=forms.RadioSelect)
    wished_at = forms.DateTimeField(label=_("期望时间"), required=False, input_formats=DATETIME,
                                    widget=forms.DateTimeInput(
                                        attrs={"type": "datetime-local"}, format=DATETIME[0]))
    contact_name = forms.CharField(label=_("联系人"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20,
                                    widget=PhoneInput())

    @staticmethod
    def initial_for(resident: Resident) -> dict:
        """Prefilled from the resident's address, or their station's spot."""
        station = resident.station
        return {"address": resident.address or station.address or station.name,
                "lat": resident.lat if resident.lat is not None else station.lat,
                "lng": resident.lng if resident.lng is not None else station.lng,
                "contact_name": resident.user.real_name, "contact_phone": resident.user.mobile,
                "when": "today"}

    def clean(self):
        data = super().clean()
        when, picked = data.get("when"), data.get("wished_at")
        now = timezone.localtime()
        if when == "today":
            data["wished_at"] = (now + datetime.timedelta(hours=1)).replace(
                minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
        elif when == "tomorrow":
            data["wished_at"] = (now + datetime.timedelta(days=1)).replace(
                hour=9, minute=0, second=0, microsecond=0)
        elif when == "pick" and "wished_at" not in self.errors:
            if picked is None:
                self.add_error("wished_at", _("请选择期望的日期和时间"))
            elif picked < now:
                self.add_error("wished_at", _("期望时间不能早于现在"))
        return data

    def submit_values(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("text", "address", "lat", "lng", "wished_at", "contact_name",
                                  "contact_phone")}


class ResidentSearchForm(CleanForm):
    """代点单: staff find a resident of their own subtree by name or full mobile number."""

    q = forms.CharField(label=_("群众姓名或手机号"), max_length=50, min_length=1,
                        widget=forms.SearchInput(attrs={"placeholder": _("如：张秀英 或 13912345678")}))

    def results(self, user) -> list[Resident]:
        if not self.is_valid():
            return []
        q = self.cleaned_data["q"].strip()
        qs = residents_for_user(user).filter(Q(user__real_name__contains=q) | Q(user__mobile=q))
        rows = list(qs.order_by("user__real_name", "id")[:20])
        for r in rows:
            r.contact = resident_contact(user, r)
        return rows


ACTIVE = in_group("active")
ESCALATED = "escalated"  # both escalated states, as the API's ?state=escalated


class QueueFilterForm(CleanForm):
    state = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("办理中")), ("all", _("全部")),
                                       (ESCALATED, _("已上报（全部）"))] + State.choices)
    kind = forms.ChoiceField(label=_("类型"), required=False,
                             choices=[("", _("全部类型"))] + ServiceOrder.Kind.choices)
    # A search box, not a <select> of every node of a center's district (issue 10: the
    # queue page took 1.3 s); empty means the whole subtree.
    org = PickerField(label=_("阵地"), required=False, queryset=OrgNode.objects.none(),
                      search_url=format_lazy("{}?kind=center,institute,station",
                                             reverse_lazy("api:org_search")),
                      item_label="{name}", item_detail="{kind_label} · {parent_name}",
                      placeholder=_("输入阵地名称搜索（不填为我管辖的全部）"))
    overdue = forms.BooleanField(label=_("只看超时的"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).exclude(kind=OrgNode.Kind.POINT)
        self.fields["org"].label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"

    def apply(self, qs):
        d = self.cleaned_data if self.is_valid() else {}
        state = d.get("state", "")
        if state == "":
            qs = qs.filter(state__in=ACTIVE)
        elif state == ESCALATED:
            qs = qs.filter(state__in=in_group("escalated"))
        elif state != "all":
            qs = qs.filter(state=state)
        if d.get("kind"):
            qs = qs.filter(kind=d["kind"])
        if d.get("org"):
            qs = qs.filter(in_subtree_q(d["org"]))
        if d.get("overdue"):
            qs = qs.filter(due_at__lte=timezone.now())
        return qs


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000, error_messages={
        "required": _("请填写原因")})


class OptionalReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000, required=False)


class CompleteForm(CleanForm):
    note = forms.CharField(label=_("服务情况"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请填写服务情况说明")})
    hours = forms.DecimalField(label=_("服务时长（小时）"), min_value=Decimal("0.5"),
                               max_value=Decimal("24"), max_digits=5, decimal_places=2,
                               initial=Decimal("1"), error_messages={
                                   "required": _("请填写服务时长"),
                                   "min_value": _("服务时长至少0.5小时"),
                                   "max_value": _("服务时长不能超过24小时"),
                                   "invalid": _("服务时长请填数字")},
                               widget=forms.NumberInput(attrs={"step": "0.5",
                                                               "inputmode": "decimal"}))
    people_served = forms.IntegerField(label=_("服务人数"), min_value=1, max_value=10000,
                                       initial=1, error_messages={
                                           "required": _("请填写服务人数"),
                                           "min_value": _("服务人数至少1人"),
                                           "invalid": _("服务人数请填整数")},
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class RateForm(CleanForm):
    score = forms.TypedChoiceField(label=_("评分"), coerce=int,
                                   choices=[(str(n), str(n)) for n in range(5, 0, -1)],
                                   error_messages={"required": _("请点星星打分（1到5星）"),
                                                   "invalid_choice": _("评分应为1到5星")})
    comment = forms.CharField(label=_("评价（可不填）"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CandidateSearchForm(CleanForm):
    """Find a candidate on the dispatch page by name or skill (among those ranked)."""

    q = forms.CharField(label=_("按姓名或技能查找"), required=False, max_length=30,
                        widget=forms.SearchInput(attrs={"placeholder": _("如：王 或 水电")}))

    def query(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class DispatchForm(CleanForm):
    """派单 to one of the ranked candidates: "v<id>" for a volunteer, "t<id>" for a team."""

    to = forms.ChoiceField(error_messages={"required": _("请选择派给谁"),
                                           "invalid_choice": _("请从推荐名单中选择志愿者或队伍")})

    def __init__(self, *args, candidates: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [
            (f"v{c['volunteer_id']}" if "volunteer_id" in c else f"t{c['team_id']}", c["name"])
            for c in candidates]

    def assignee(self) -> dict:
        to = self.cleaned_data["to"]
        if to.startswith("v"):
            return {"volunteer": Volunteer.objects.select_related("user").get(pk=int(to[1:]))}
        return {"team": Team.objects.get(pk=int(to[1:]))}


# "1到5": 1 to batch.MAX_CAPACITY.
CAPACITY_ERRORS = {"invalid": _("每人最多手头订单数应为1到5之间的整数"),
                   "min_value": _("每人最多手头订单数应为1到5之间的整数"),
                   "max_value": _("每人最多手头订单数应为1到5之间的整数")}


class BatchForm(CleanForm):
    """批量派单: whose waiting orders (a node of the caller's subtrees, their own by default)
    and how many open orders a volunteer may hold. The node is an id, not a choice: one
    outside the caller's subtrees is a 404 (org_get_for_user), not a form error."""

    org = forms.IntegerField(label=_("阵地"), required=False, min_value=1, widget=forms.Select,
                             error_messages={"invalid": _("请从列表中选择阵地"),
                                             "min_value": _("请从列表中选择阵地")})
    capacity = forms.IntegerField(
        label=_("每人最多手头订单"), required=False, min_value=1, max_value=MAX_CAPACITY,
        widget=forms.Select(choices=[(n, n) for n in range(1, MAX_CAPACITY + 1)]),
        error_messages=CAPACITY_ERRORS)

    def __init__(self, data, *, user, **kwargs):
        nodes = list(visible_orgs(user).exclude(kind=OrgNode.Kind.POINT).order_by("path")
                     .only("id", "kind", "name", "path"))
        self.default_org = nodes[0].pk if nodes else None
        super().__init__({"org": self.default_org, "capacity": 1, **data.dict()}, **kwargs)
        self.fields["org"].widget.choices = [
            (o.pk, f"{o.get_kind_display()} · {o.name}") for o in nodes]

    def clean_org(self):
        return self.cleaned_data["org"] or self.default_org

    def clean_capacity(self):
        return self.cleaned_data["capacity"] or 1
