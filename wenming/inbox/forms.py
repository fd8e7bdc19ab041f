"""The page form of a person's outbound settings; `services.preference_set` holds the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm

from .models import Preference


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class PreferenceForm(CleanForm):
    channels = forms.MultipleChoiceField(label=_("除站内消息外，还通过"), required=False,
                                         choices=Preference.Channel.choices,
                                         widget=forms.CheckboxSelectMultiple)
    quiet_start = forms.TimeField(label=_("免打扰开始"), required=False, widget=TimeInput())
    quiet_end = forms.TimeField(label=_("免打扰结束"), required=False, widget=TimeInput(),
                                help_text=_("免打扰时段内的短信、微信会推迟到结束后再发，不会丢失"))
    reminder_lead_minutes = forms.TypedChoiceField(
        label=_("活动开始前提醒"), coerce=int, choices=[
            (30, _("30分钟")), (60, _("1小时")), (120, _("2小时")), (360, _("6小时")),
            (720, _("12小时")), (1440, _("1天"))])
