"""Page forms for rooms. They check shape; `services` hold the rules (opening hours, capacity,
overlaps, who may) and their refusals come back as form errors."""

import datetime

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.uploads import image_error
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import subtree_q
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import WEEKDAYS, Room


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__({"step": 900, **(attrs or {})}, format="%H:%M")


class BookingForm(CleanForm):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    start_time = forms.TimeField(label=_("开始"), widget=TimeInput())
    end_time = forms.TimeField(label=_("结束"), widget=TimeInput())
    attendees = forms.IntegerField(label=_("人数"), min_value=1, max_value=100_000, initial=1)
    purpose = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(
        attrs={"placeholder": _("如：老年合唱排练、读书会")}))
    team = forms.ModelChoiceField(label=_("以队伍名义预约（可选）"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("个人预约"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(pk__in=led_team_ids(user))
        if teams.exists():
            self.fields["team"].queryset = teams
        else:
            del self.fields["team"]

    def booking_values(self) -> dict:
        data = self.cleaned_data

        def at(t: datetime.time) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(data["date"], t))

        return {"start": at(data["start_time"]), "end": at(data["end_time"]),
                "attendees": data["attendees"], "purpose": data["purpose"],
                "team": data.get("team")}


class RoomForm(CleanForm):
    # A search box, not a <select> of every station and point of a center's district (issue
    # 10: 1,672 options made /rooms/new/ 133-305 KB and 1-3 s); the queryset still validates.
    org = PickerField(label=_("所属实践站 / 实践点"), queryset=OrgNode.objects.none(),
                      search_url=format_lazy("{}?kind=station,point",
                                             reverse_lazy("api:org_search")),
                      item_label="{name}", item_detail="{kind_label} · {parent_name}")
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(
        attrs={"placeholder": _("如：稻香园暖客厅")}))
    kind = forms.ChoiceField(label=_("类型"), choices=Room.Kind.choices)
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=2000)
    equipment = forms.CharField(label=_("设施设备"), max_length=200, required=False,
                                widget=forms.TextInput(attrs={"placeholder": _("如：投影、音响、茶具")}))
    weekdays = forms.MultipleChoiceField(
        label=_("开放日"), widget=forms.CheckboxSelectMultiple, initial=["0", "1", "2", "3", "4"],
        choices=[(str(i), d) for i, d in enumerate(WEEKDAYS)])
    opens = forms.TimeField(label=_("开放时间"), widget=TimeInput(), initial="08:30")
    closes = forms.TimeField(label=_("闭馆时间"), widget=TimeInput(), initial="17:30")
    needs_approval = forms.BooleanField(label=_("预约需工作人员审核"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = OrgNode.objects.filter(
            subtree_q(user), kind__in=[OrgNode.Kind.STATION, OrgNode.Kind.POINT])
        field.label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"

    def room_values(self) -> dict:
        data = self.cleaned_data
        span = [data["opens"].strftime("%H:%M"), data["closes"].strftime("%H:%M")]
        return {"org": data["org"], "name": data["name"], "kind": data["kind"],
                "capacity": data["capacity"], "equipment": data["equipment"],
                "needs_approval": data["needs_approval"],
                "opening_hours": {d: span for d in data["weekdays"]}}


class RoomEditForm(CleanForm):
    """A room's details and its hours per weekday: both times of a day, or neither (closed)."""

    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=Room.Kind.choices)
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=2000)
    equipment = forms.CharField(label=_("设施设备"), max_length=200, required=False)
    needs_approval = forms.BooleanField(label=_("预约需工作人员审核"), required=False)
    is_open = forms.BooleanField(label=_("开放预约（取消勾选即暂停，已有预约不受影响）"),
                                 required=False)
    photo = forms.FileField(label=_("照片（可选，JPG或PNG，5MB以内；上传即替换）"),
                            required=False, widget=forms.FileInput(
                                attrs={"accept": "image/jpeg,image/png"}))

    def __init__(self, *args, room: Room, **kwargs):
        initial = {"name": room.name, "kind": room.kind, "capacity": room.capacity,
                   "equipment": room.equipment, "needs_approval": room.needs_approval,
                   "is_open": room.is_open}
        for day, (opens, closes) in room.opening_hours.items():
            initial[f"opens_{day}"], initial[f"closes_{day}"] = opens, closes
        super().__init__(*args, initial=initial, **kwargs)
        for i in range(7):
            for name, label in (("opens", _("%(d)s开放")), ("closes", _("%(d)s闭馆"))):
                text = label % {"d": WEEKDAYS[i]}
                self.fields[f"{name}_{i}"] = forms.TimeField(
                    label=text, required=False, widget=TimeInput({"aria-label": text}))

    def details(self):
        return [self[n] for n in ("name", "kind", "capacity", "equipment")]

    def days(self):
        """Each weekday's name with its two time fields, for a row per day."""
        return [(WEEKDAYS[i], self[f"opens_{i}"], self[f"closes_{i}"]) for i in range(7)]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and (error := image_error(photo)):
            raise forms.ValidationError(error)
        return photo

    def clean(self):
        data = super().clean()
        for i in range(7):
            opens, closes = data.get(f"opens_{i}"), data.get(f"closes_{i}")
            if (opens is None) != (closes is None) and not self.has_error(f"opens_{i}") \
                    and not self.has_error(f"closes_{i}"):
                self.add_error(f"opens_{i}" if opens is None else f"closes_{i}",
                               _("请同时填写开放和闭馆时间，或都留空表示不开放"))
        return data

    def room_values(self) -> dict:
        data = self.cleaned_data
        hours = {str(i): [data[f"opens_{i}"].strftime("%H:%M"),
                          data[f"closes_{i}"].strftime("%H:%M")]
                 for i in range(7) if data.get(f"opens_{i}") and data.get(f"closes_{i}")}
        photo = {"photo": data["photo"]} if data.get("photo") else {}
        return {**{n: data[n] for n in ("name", "kind", "capacity", "equipment",
                                        "needs_approval", "is_open")},
                "opening_hours": hours, **photo}
