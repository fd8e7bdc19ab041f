"""The grid form (a name, the corners tapped on the map as JSON, the grid managers) and the
tree's forms (a node added or edited, a node moved)."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput

from .models import OrgNode
from .services import grid_manager_candidates


class GridForm(CleanForm):
    name = forms.CharField(label=_("网格名称"), max_length=100)
    polygon = forms.CharField(widget=forms.HiddenInput, max_length=20000,
                              error_messages={"required": _("请在地图上点出网格的边界")})
    managers = forms.ModelMultipleChoiceField(
        label=_("网格员"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本站工作人员和志愿者可担任网格员，可多选"))

    def __init__(self, *args, station, grid=None, **kwargs):
        initial = kwargs.pop("initial", {})
        if grid is not None:
            initial = {"name": grid.name, "polygon": json.dumps(grid.polygon),
                       "managers": list(grid.managers.all()), **initial}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["managers"].queryset = grid_manager_candidates(station)

    def clean_polygon(self):
        try:
            value = json.loads(self.cleaned_data["polygon"])
        except ValueError:
            raise ValidationError(_("网格边界应为至少三个不自交的经纬度点"),
                                  code="invalid_polygon") from None
        return value


class NodeForm(CleanForm):
    """An institute, station or point: its name, where it is (tapped on the map, never
    typed), its contact. `kind` is asked only when adding."""

    kind = forms.ChoiceField(label=_("类型"), choices=())
    name = forms.CharField(label=_("名称"), min_length=2, max_length=100)
    point_type = forms.ChoiceField(label=_("实践点类型（仅实践点）"), required=False,
                                   choices=[("", "—")] + list(OrgNode.PointType.choices))
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("联系人"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20,
                                    widget=PhoneInput)

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is None:
            del self.fields["kind"]
        else:
            self.fields["kind"].choices = [(k, OrgNode.Kind(k).label) for k in kinds]

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "kind"}


class MoveForm(CleanForm):
    parent = forms.ModelChoiceField(label=_("移到"), queryset=OrgNode.objects.none())

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents


MAX_BOUNDARY_BYTES = 5 * 1024 * 1024


class BoundaryForm(CleanForm):
    """Either a region shipped with the app (Beijing's districts) or the district's own
    GeoJSON file; the file wins when both are given."""

    shipped = forms.ChoiceField(label=_("选用内置的区域（北京市各区）"), required=False)
    file = forms.FileField(label=_("或上传GeoJSON文件（5MB以内）"), required=False,
                           widget=forms.FileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}))
    feature = forms.CharField(label=_("文件中的区域名称或行政区划代码（文件含多个区域时填写）"),
                              max_length=100, required=False)

    def __init__(self, *args, shipped: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipped"].choices = [("", "—"), *shipped]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None and not data.get("shipped"):
            raise ValidationError(_("请选择一个内置区域，或上传GeoJSON文件"))
        if upload is not None:
            if upload.size > MAX_BOUNDARY_BYTES:
                raise ValidationError(_("文件超过5MB"))
            try:
                data["geojson"] = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise ValidationError(_("文件不是有效的GeoJSON（JSON格式有误）")) from exc
        return data
