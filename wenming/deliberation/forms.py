"""Page forms of the 议事厅. They check shape; services hold the rules (stages, windows, who
may do what) and their refusals come back as form errors or messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.orgs.permissions import is_staff_member
from wenming.people.models import Resident
from wenming.people.permissions import residents_for_user
from wenming.people.validators import normalize_mobile

from .models import Category


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to four photos; each is checked by the service (`checked_image`)."""

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class TopicForm(CleanForm):
    title = forms.CharField(label=_("议题（一句话）"), max_length=60, widget=forms.TextInput(
        attrs={"placeholder": _("如：小区东门晚上太暗，想加装路灯")}))
    text = forms.CharField(label=_("具体情况"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": _("问题是什么、影响了谁、您的建议（不必写电话和门牌号）")}))
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices,
                                 initial=Category.OTHER)
    place = forms.CharField(label=_("地点"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("如：3号楼东侧")}))
    photos = PhotosField(label=_("照片（可选，最多4张，JPG或PNG）"), required=False,
                         widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png",
                                                         "multiple": True}))
    resident_mobile = forms.CharField(
        label=_("代提：居民的手机号"), required=False, max_length=20, widget=PhoneInput(),
        help_text=_("为本辖区登记的居民代提议题时填写"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not is_staff_member(user):
            del self.fields["resident_mobile"]

    def clean_resident_mobile(self) -> Resident | None:
        value = (self.cleaned_data.get("resident_mobile") or "").strip()
        if not value:
            return None
        resident = residents_for_user(self.user).filter(user__mobile=normalize_mobile(value)).first()
        if resident is None:
            raise forms.ValidationError(_("本辖区没有登记这个手机号的居民"))
        return resident

    def service_values(self) -> dict:
        d = dict(self.cleaned_data)
        resident = d.pop("resident_mobile", None)
        return {**d, "resident": resident}


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000, required=False)


class RequiredReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000,
                             error_messages={"required": _("请填写原因")})


class MergeForm(CleanForm):
    into = forms.IntegerField(label=_("合并到议题编号"), min_value=1)
    reason = forms.CharField(label=_("说明"), max_length=1000, required=False)


class ScheduleForm(CleanForm):
    at = forms.DateTimeField(label=_("议事时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("议事地点"), max_length=100)
    host = forms.CharField(label=_("主持人"), max_length=50, required=False)
    options = forms.CharField(label=_("表决选项（每行一个，不填为“赞成/反对”）"), required=False,
                              max_length=700, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("列入议程的理由（未达附议门槛时必填）"), max_length=1000,
                             required=False)

    def service_values(self) -> dict:
        d = dict(self.cleaned_data)
        d["options"] = [line.strip() for line in d["options"].splitlines() if line.strip()]
        return d


class VoteForm(CleanForm):
    option = forms.IntegerField(min_value=1, error_messages={"required": _("请选择一个选项")})


class DecideForm(CleanForm):
    decision = forms.CharField(label=_("决议"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    reasons = forms.CharField(label=_("决议理由"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("会议纪要"), max_length=10000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    offline_count = forms.IntegerField(label=_("线下参会人数"), min_value=0, max_value=100_000,
                                       initial=0)


class TaskForm(CleanForm):
    title = forms.CharField(label=_("任务"), max_length=100)
    due = forms.DateField(label=_("完成期限"), widget=DateInput())
    owner = forms.TypedChoiceField(label=_("负责人"), coerce=str, choices=())

    def __init__(self, *args, owners: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners


class ProgressForm(CleanForm):
    note = forms.CharField(label=_("进展说明"), max_length=1000, widget=forms.Textarea(
        attrs={"rows": 2}))
    photo = forms.FileField(label=_("照片（可选）"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}))
    complete = forms.BooleanField(label=_("任务已完成"), required=False)


class PhotoForm(CleanForm):
    image = forms.FileField(label=_("添加照片（JPG或PNG，5MB以内）"),
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
                            error_messages={"required": _("请选择一张照片")})


class RateForm(CleanForm):
    score = forms.TypedChoiceField(label=_("评分"), coerce=int,
                                   choices=[(i, str(i)) for i in range(5, 0, -1)],
                                   widget=forms.RadioSelect(attrs={"class": "choices"}))
    comment = forms.CharField(label=_("评价"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(CleanForm):
    text = forms.CharField(label=_("评论"), max_length=500, widget=forms.Textarea(
        attrs={"rows": 2}))
