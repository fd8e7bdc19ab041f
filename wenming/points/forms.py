"""Page forms for points and the stores (爱心超市). They check shape; services hold the rules
(prices, stock, limits, balances) and their refusals come back as form errors or messages."""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.uploads import image_error
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import visible_orgs

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class RedeemForm(CleanForm):
    """The store page renders a fresh `key` with every goods card, so a double tap or a
    retried POST carries the same key and the service spends once."""

    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=100, initial=1,
                                  error_messages={"min_value": _("兑换数量应为1到100"),
                                                  "max_value": _("兑换数量应为1到100"),
                                                  "required": _("请填写兑换数量"),
                                                  "invalid": _("兑换数量应为1到100")})
    key = forms.CharField(max_length=100, widget=forms.HiddenInput,
                          error_messages={"required": _("页面已过期，请刷新后重新兑换")})
    expected_price = forms.IntegerField(min_value=0, widget=forms.HiddenInput,
                                        error_messages={"required": _("页面已过期，请刷新后重新兑换")})

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex


class StoreForm(CleanForm):
    org = forms.ModelChoiceField(label=_("所属阵地"), queryset=OrgNode.objects.none(),
                                 empty_label=_("请选择"))
    name = forms.CharField(label=_("超市名称"), max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": _("如：稻香园爱心超市")}))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": _("如：周二、周四 9:00–11:30")}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).order_by("path")
        self.fields["org"].label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"


class GoodsForm(CleanForm):
    name = forms.CharField(label=_("商品名称"), max_length=100)
    price = forms.IntegerField(label=_("所需积分"), min_value=1, max_value=1_000_000)
    stock = forms.IntegerField(label=_("库存"), min_value=0, max_value=1_000_000)
    per_person_limit = forms.IntegerField(label=_("每人每月限兑（件）"), required=False,
                                          min_value=1, max_value=1000,
                                          help_text=_("不填则不限"))
    active_from = forms.DateTimeField(label=_("上架时间"), required=False, input_formats=DATETIME,
                                      widget=DateTimeLocal(), help_text=_("不填则立即上架"))
    active_to = forms.DateTimeField(label=_("下架时间"), required=False, input_formats=DATETIME,
                                    widget=DateTimeLocal(), help_text=_("不填则一直在售"))
    picture = forms.FileField(label=_("图片（JPG或PNG，5MB以内）"), required=False,
                              widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}))

    def clean_picture(self):
        picture = self.cleaned_data.get("picture")
        if not picture:
            return None
        # Checked here too so the message sits under the field; the service names the file.
        if error := image_error(picture):
            raise forms.ValidationError(error)
        return picture

    def goods_values(self) -> dict:
        return dict(self.cleaned_data)


class GoodsEditForm(GoodsForm):
    is_active = forms.BooleanField(label=_("在售"), required=False)
    field_order = ["name", "price", "stock", "per_person_limit", "is_active", "active_from",
                   "active_to", "picture"]

    def goods_values(self) -> dict:
        """The changes for `goods_update`; the picture only when a new one was sent."""
        changes = dict(self.cleaned_data)
        if changes.get("picture") is None:
            changes.pop("picture", None)
        return changes


class PickupForm(CleanForm):
    code = forms.CharField(label=_("取货码"), max_length=300, widget=forms.TextInput(attrs={
        "autofocus": True, "autocomplete": "off", "autocapitalize": "characters",
        "placeholder": _("输入或扫描8位取货码"), "class": "code-input"}),
        error_messages={"required": _("请输入取货码")})

    def clean_code(self) -> str:
        """A typed code, or the URL a scanner reads off the volunteer's QR (…?code=ABCD2345)."""
        value = self.cleaned_data["code"].strip()
        if "code=" in value:
            value = (parse_qs(urlsplit(value).query).get("code") or [""])[0]
        code = re.sub(r"[\s-]", "", value).upper()
        if not re.fullmatch(r"[A-Z0-9]{4,12}", code):
            raise forms.ValidationError(_("取货码应为8位字母和数字"))
        return code
