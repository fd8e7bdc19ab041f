"""Page forms of the record. They check shape; services hold the rules (who may, which
states, ranges that depend on the line) and their refusals come back as form errors."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.uploads import image_error

from .models import PARTS, Complaint, Evaluation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _image(upload):
    if upload and (error := image_error(upload)):
        raise forms.ValidationError(error)
    return upload


class CorrectionForm(CleanForm):
    hours = forms.DecimalField(label=_("更正后的时长（小时）"), min_value=Decimal("0"),
                               max_value=Decimal("24"), decimal_places=2,
                               help_text=_("填 0 表示这条记录不应计入"))
    reason = forms.CharField(label=_("更正理由"), min_length=5, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3, "placeholder": _(
                                 "如：签退时忘记扫码，实际服务到11点")}))
    evidence = forms.FileField(label=_("证明材料照片（可选，JPG或PNG，5MB以内）"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def clean_evidence(self):
        return _image(self.cleaned_data.get("evidence"))


class NoteForm(CleanForm):
    note = forms.CharField(label=_("意见"), max_length=1000, required=False)


class RequiredNoteForm(CleanForm):
    note = forms.CharField(label=_("理由"), min_length=2, max_length=1000)


class TrainingForm(CleanForm):
    name = forms.CharField(label=_("培训名称"), min_length=2, max_length=100)
    content = forms.CharField(label=_("培训内容"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    hours = forms.DecimalField(label=_("培训时长（小时）"), min_value=Decimal("0.1"),
                               max_value=Decimal("200"), decimal_places=1)
    organiser = forms.CharField(label=_("组织单位"), min_length=2, max_length=100)
    date = forms.DateField(label=_("培训日期"), widget=DateInput())


class TrainingImportForm(CleanForm):
    file = forms.FileField(label=_("培训记录表（.xlsx，最多5000行，不超过5MB）"))


class EvaluationForm(CleanForm):
    quality = forms.ChoiceField(label=_("服务质量"), choices=Evaluation.Quality.choices)
    stars = forms.TypedChoiceField(label=_("星级评价（可选）"), required=False, coerce=int,
                                   empty_value=None,
                                   choices=[("", "—")] + [(n, "★" * n) for n in range(1, 6)])
    comment = forms.CharField(label=_("评语"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    date = forms.DateField(label=_("评价日期"), widget=DateInput())


class ComplaintForm(CleanForm):
    text = forms.CharField(label=_("投诉内容"), min_length=5, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(CleanForm):
    outcome = forms.ChoiceField(label=_("调查结论"), choices=Complaint.Outcome.choices)
    outcome_text = forms.CharField(label=_("处理结果"), min_length=2, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class RespondForm(CleanForm):
    text = forms.CharField(label=_("我的说明"), min_length=2, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


LABELS = {"services": _("服务记录"), "trainings": _("培训情况"), "commendations": _("表彰奖励"),
          "evaluations": _("服务评价"), "complaints": _("被投诉情况")}
PART_LABELS = [(p, LABELS[p]) for p in PARTS]


class SealApplyForm(CleanForm):
    org = forms.TypedChoiceField(label=_("向哪个单位申请（记录过您服务的单位）"), coerce=int)
    parts = forms.MultipleChoiceField(label=_("证明内容"), choices=PART_LABELS,
                                      initial=["services"],
                                      widget=forms.CheckboxSelectMultiple)
    purpose = forms.CharField(label=_("用途（可选）"), max_length=100, required=False)

    def __init__(self, *args, units: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = units


class IssueForm(CleanForm):
    handler_name = forms.CharField(label=_("经办人"), min_length=2, max_length=50)


class SealUploadForm(CleanForm):
    org = forms.TypedChoiceField(label=_("单位"), coerce=int)
    image = forms.FileField(label=_("公章图片（PNG或JPG，建议透明底PNG，5MB以内）"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, orgs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = orgs

    def clean_image(self):
        return _image(self.cleaned_data.get("image"))


class NationalExportForm(CleanForm):
    org = forms.TypedChoiceField(label=_("导出范围"), coerce=int)
    format = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "Excel (.xlsx)"),
                                                         ("json", "JSON")])

    def __init__(self, *args, orgs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = orgs


class NationalImportForm(CleanForm):
    station = forms.TypedChoiceField(label=_("转入到实践站"), coerce=int)
    file = forms.FileField(label=_("另一地区按本标准导出的 JSON 文件（20MB以内）"))

    def __init__(self, *args, orgs: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = orgs


class DeclarationForm(CleanForm):
    """个人申报: for one of the volunteer's recent activities, or a service outside any."""

    activity = forms.TypedChoiceField(label=_("所属活动"), coerce=int, required=False,
                                      empty_value=None)
    title = forms.CharField(label=_("服务内容"), max_length=100, required=False,
                            help_text=_("不属于任何活动时填写，如：为独居老人代购药品"))
    place = forms.CharField(label=_("服务地点"), max_length=200, required=False)
    service_date = forms.DateField(label=_("服务日期"), required=False, widget=DateInput(),
                                   help_text=_("选了活动时按活动日期"))
    hours = forms.DecimalField(label=_("申报时长（小时）"), min_value=Decimal("0.01"),
                               max_value=Decimal("24"), decimal_places=2)
    note = forms.CharField(label=_("情况说明"), min_length=5, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3, "placeholder": _(
                               "如：现场手机没电，未能扫码签到，负责人王老师可证明")}))
    evidence = forms.FileField(label=_("证明照片（JPG或PNG，5MB以内）"),
                               widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, activities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].choices = [("", _("不属于任何活动"))] + [
            (a.pk, f"{a.title} · {a.start:%m-%d}") for a in activities]

    def clean_evidence(self):
        return _image(self.cleaned_data.get("evidence"))
