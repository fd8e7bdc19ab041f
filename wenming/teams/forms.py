"""Page forms for teams. They check shape; services hold the rules."""

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import managed_nodes, visible_orgs
from wenming.people.models import Volunteer
from wenming.people.selectors import volunteers_for_user
from wenming.people.validators import normalize_mobile

from .models import Team
from .permissions import teams_for_user


class TeamFilterForm(CleanForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50,
                        widget=forms.SearchInput(attrs={"placeholder": _("队名")}))
    platform = forms.ModelChoiceField(label=_("服务平台"), required=False, to_field_name="code",
                                      queryset=Platform.objects.filter(is_active=True),
                                      empty_label=_("全部平台"))

    def apply(self, qs):
        d = self.cleaned_data if self.is_valid() else {}
        if (d.get("q") or "").strip():
            qs = qs.filter(name__contains=d["q"].strip())
        if d.get("platform"):
            qs = qs.filter(platform=d["platform"])
        return qs


class TeamForm(CleanForm):
    name = forms.CharField(label=_("队名"), max_length=100)
    org = PickerField(label=_("所属阵地"), queryset=OrgNode.objects.none(),
                      search_url=reverse_lazy("api:org_search"), item_label="{name}",
                      item_detail="{kind_label} · {parent_name}")
    level = forms.ChoiceField(label=_("层级"), choices=Team.Level.choices,
                              initial=Team.Level.TEAM)
    parent = PickerField(label=_("上级队伍"), queryset=Team.objects.none(), required=False,
                         search_url=format_lazy("{}?level=corps,detachment,squad",
                                                reverse_lazy("api:team_search")),
                         item_label="{name}", item_detail="{org_name}",
                         placeholder=_("输入队名搜索（可不填）"))
    platform = forms.ModelChoiceField(label=_("服务平台"), required=False,
                                      queryset=Platform.objects.filter(is_active=True),
                                      empty_label=_("（不限）"))
    description = forms.CharField(label=_("简介"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    leader_mobile = forms.CharField(label=_("队长手机号"), required=False, max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                                    help_text=_("可选：填写一位已审核志愿者的手机号，任命为队长"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["org"].queryset = visible_orgs(user).order_by("path")
        self.fields["org"].initial = next(iter(managed_nodes(user)), None)
        self.fields["org"].label_from_instance = lambda o: o.name
        self.fields["parent"].queryset = teams_for_user(user).exclude(
            level=Team.Level.TEAM).order_by("name")

    def clean_leader_mobile(self) -> Volunteer | None:
        mobile = self.cleaned_data["leader_mobile"].strip()
        if not mobile:
            return None
        leader = volunteers_for_user(self.user).filter(
            user__mobile=normalize_mobile(mobile)).select_related("user").first()
        if leader is None:
            raise forms.ValidationError(_("您管辖范围内没有这个手机号的志愿者"))
        return leader

    def team_values(self) -> dict:
        d = self.cleaned_data
        return {"name": d["name"], "org": d["org"], "level": d["level"], "parent": d["parent"],
                "platform": d["platform"], "description": d["description"],
                "leader": d["leader_mobile"]}
