from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm


class WhereForm(CleanForm):
    """Where the phone is now (both or neither), from the "按当前位置" button."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise forms.ValidationError(_("位置须同时给出纬度和经度"))
        return data
