"""Page forms for the wish wall. They check shape; services hold the rules (dates, lengths,
who may do what) and their refusals come back as form errors or messages."""

import datetime
from functools import reduce
from operator import or_

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member, visible_orgs
from wenming.people.models import Resident
from wenming.people.permissions import residents_for_user
from wenming.people.validators import normalize_mobile
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import Wish
from .permissions import _districts


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class WishFilterForm(CleanForm):
    """The wall of one center, institute or station. Picked by search (a select of every
    station took 1.9 s of the district's /wishes/ to render, issue 10); any such node of the
    caller's districts is accepted (staff: of their subtrees), so a volunteer who scans
    another station's screen (`?org=`) lands on that station's wall."""

    org = PickerField(label=_("实践所 / 实践站"), queryset=OrgNode.objects.none(),
                      required=False, search_url=format_lazy(
                          "{}?kind=center,institute,station", reverse_lazy("api:org_search")),
                      item_detail="{kind_label} · {parent_name}",
                      placeholder=_("输入所、站名称搜索（不填为全部）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = wall_nodes(user)

    def apply(self, qs):
        org = self.cleaned_data.get("org") if self.is_valid() else None
        return qs.filter(station__path__startswith=org.path) if org else qs


def wall_nodes(user):
    """The nodes whose wall the caller may filter by: staff their subtrees, everyone with a
    role the centers, institutes and stations of their districts."""
    nodes = OrgNode.objects.exclude(kind=OrgNode.Kind.POINT)
    if is_staff_member(user):
        return nodes.filter(pk__in=visible_orgs(user).values("pk"))
    districts = _districts(user)
    return nodes.filter(reduce(or_, (Q(path__startswith=f"/{d}/") for d in districts),
                               Q(pk__in=[])))


class WishForm(CleanForm):
    title = forms.CharField(label=_("心愿（一句话）"), max_length=60, widget=forms.TextInput(
        attrs={"placeholder": _("如：想要一副老花镜")}))
    text = forms.CharField(label=_("具体说明"), max_length=1000, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": _("需要什么、多少、送到哪里（写到小区即可，不必写门牌号）")}))
    reason = forms.CharField(label=_("为什么需要"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    for_whom = forms.CharField(label=_("为谁许愿"), max_length=60, required=False,
                               widget=forms.TextInput(attrs={"placeholder": _("如：自己、老伴、孙子")}))
    due_date = forms.DateField(label=_("希望在哪天前实现"), widget=DateInput())
    rough_value = forms.IntegerField(label=_("大约价值（元）"), required=False, min_value=0,
                                     max_value=100_000)
    urgency = forms.TypedChoiceField(label=_("紧急程度"), choices=Wish.Urgency.choices, coerce=int,
                                     initial=Wish.Urgency.NORMAL,
                                     widget=forms.RadioSelect(attrs={"class": "choices"}))
    resident_mobile = forms.CharField(
        label=_("代发：群众的手机号"), required=False, max_length=20, widget=PhoneInput(),
        help_text=_("为本辖区登记的群众代发心愿时填写；不填则以您自己的名义发布"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.fields["due_date"].widget.attrs["min"] = tomorrow.isoformat()
        if not is_staff_member(user):
            del self.fields["resident_mobile"]

    def clean_resident_mobile(self) -> Resident | None:
        value = (self.cleaned_data.get("resident_mobile") or "").strip()
        if not value:
            return None
        mobile = normalize_mobile(value)
        resident = residents_for_user(self.user).filter(user__mobile=mobile).first()
        if resident is None:
            raise forms.ValidationError(_("本辖区没有登记这个手机号的群众"))
        return resident

    def post_values(self) -> dict:
        d = dict(self.cleaned_data)
        resident = d.pop("resident_mobile", None)
        return {**d, "resident": resident}


class RejectForm(CleanForm):
    reason = forms.CharField(label=_("未通过的原因"), max_length=1000, error_messages={
        "required": _("请填写未通过的原因")})


class ClaimForm(CleanForm):
    """As oneself (nothing filled), for a team one leads, or a donor unit (staff)."""

    team = forms.ModelChoiceField(label=_("代表队伍认领"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("以个人名义"))
    donor_name = forms.CharField(label=_("爱心单位名称"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(
            pk__in=led_team_ids(user), is_active=True).order_by("name")


class FulfilForm(CleanForm):
    note = forms.CharField(label=_("实现情况"), max_length=1000, widget=forms.Textarea(
        attrs={"rows": 3, "placeholder": _("如：已把老花镜送到家中，老人试戴合适")}))
    photo = forms.FileField(label=_("照片（可选，JPG或PNG，5MB以内）"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}))
