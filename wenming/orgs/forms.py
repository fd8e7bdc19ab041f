"""The grid form: a name, the corners tapped on the map (JSON), the grid managers."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm

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
