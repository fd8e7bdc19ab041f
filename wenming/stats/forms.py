"""The dashboard's period picker: a natural month, quarter or year holding a day, or a
custom range."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm

from .selectors import Period, PeriodError, calendar_period, period_of

KINDS = [("month", _("月")), ("quarter", _("季度")), ("year", _("年")), ("custom", _("自定义"))]


class PeriodForm(CleanForm):
    period = forms.ChoiceField(label=_("周期"), choices=KINDS, required=False)
    date = forms.DateField(label=_("日期"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    date_from = forms.DateField(label=_("起"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("止"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        # `from`/`to` in the address, as the API names them.
        if data is not None:
            data = {k: v for k, v in data.items()}
            data.setdefault("date_from", data.pop("from", ""))
            data.setdefault("date_to", data.pop("to", ""))
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["range"] = self._range(cleaned)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc
        return cleaned

    def _range(self, c: dict) -> Period:
        kind = c.get("period") or "month"
        if kind == "custom":
            return period_of(c.get("date_from"), c.get("date_to"))
        return calendar_period(kind, c.get("date") or timezone.localdate())


def default_period() -> Period:
    return calendar_period("month", timezone.localdate())
