"""Forms of the recording pages: they check shape; `recording` holds the rules."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import is_staff_member, visible_orgs
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids, teams_for_user

from .forms import DATETIME, DateTimeLocal, searched_org_and_team
from .recording import MAX_CODES, GroupRow

MAX_SHEET_BYTES = 2 * 1024 * 1024


class WalkInForm(CleanForm):
    volunteer = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)


class CodesForm(CleanForm):
    count = forms.IntegerField(label=_("生成数量"), min_value=1, max_value=MAX_CODES, initial=20)


class ClaimForm(CleanForm):
    code = forms.CharField(label=_("时长码"), max_length=30, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "inputmode": "text",
        "placeholder": _("10位字母或数字")}))


def _hours(value) -> Decimal | None:
    try:
        return Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


class GroupEntryForm(CleanForm):
    """Rows typed one per line ("编号或手机号 时长 [姓名]"), or an Excel sheet with the same
    three columns (a heading row is skipped)."""

    text = forms.CharField(label=_("名单（每行：志愿者编号或手机号、时长、姓名）"), required=False,
                           max_length=50_000, widget=forms.Textarea(attrs={
                               "rows": 6, "placeholder": "13800000001 3 张三"}))
    sheet = forms.FileField(label=_("或上传Excel（第1列编号或手机号，第2列时长，第3列姓名）"),
                            required=False)
    reason = forms.CharField(label=_("说明"), required=False, max_length=1000)

    def clean_sheet(self):
        sheet = self.cleaned_data.get("sheet")
        if sheet and sheet.size > MAX_SHEET_BYTES:
            raise ValidationError(_("Excel文件不能超过2MB"))
        if sheet:
            self._sheet_rows = self._read_sheet(sheet)
        return sheet

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("text") or "").strip() and not data.get("sheet"):
            raise ValidationError(_("请填写名单或上传Excel"))
        return data

    @staticmethod
    def _read_sheet(sheet) -> list[GroupRow]:
        import zipfile

        from openpyxl import load_workbook
        try:
            book = load_workbook(sheet, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ValidationError(_("不是有效的Excel文件（.xlsx）")) from None
        rows = []
        for n, values in enumerate(book.active.iter_rows(values_only=True), start=1):
            cells = [("" if v is None else str(v)).strip() for v in (values or ())][:3]
            cells += [""] * (3 - len(cells))
            if not any(cells) or (n == 1 and _hours(cells[1]) is None):
                continue  # blank lines, and the heading row
            rows.append(GroupRow(line=n, who=cells[0], hours=_hours(cells[1]), name=cells[2]))
            if len(rows) > MAX_CODES:
                raise ValidationError(_("一次最多录入%(n)d行") % {"n": MAX_CODES})
        return rows

    def rows(self) -> list[GroupRow]:
        if getattr(self, "_sheet_rows", None) is not None:
            return self._sheet_rows
        rows = []
        for n, line in enumerate(self.cleaned_data["text"].splitlines(), start=1):
            parts = line.replace(",", " ").replace("，", " ").replace("\t", " ").split()
            if parts:
                rows.append(GroupRow(line=n, who=parts[0],
                                     hours=_hours(parts[1]) if len(parts) > 1 else None,
                                     name=parts[2] if len(parts) > 2 else ""))
        return rows


class PolicyForm(CleanForm):
    insurer = forms.CharField(label=_("保险公司"), max_length=100)
    policy_no = forms.CharField(label=_("保单号"), max_length=64)
    start = forms.DateTimeField(label=_("保障开始"), input_formats=DATETIME,
                                widget=DateTimeLocal())
    end = forms.DateTimeField(label=_("保障结束"), input_formats=DATETIME, widget=DateTimeLocal())


class ClaimFileForm(CleanForm):
    volunteer = forms.IntegerField(label=_("志愿者"), min_value=1, max_value=2**62,
                                   widget=forms.Select)
    incident = forms.CharField(label=_("事故经过"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].widget.choices = [(v.pk, v.user.real_name) for v in people]


class ClaimDecideForm(CleanForm):
    outcome = forms.ChoiceField(label=_("结果"), choices=[
        ("paid", _("已赔付")), ("denied", _("未获赔")), ("withdrawn", _("已撤回"))])
    amount = forms.DecimalField(label=_("赔付金额（元）"), required=False, min_value=Decimal("0.01"),
                                max_digits=10, decimal_places=2)
    note = forms.CharField(label=_("说明"), required=False, max_length=1000)


class ProjectForm(CleanForm):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    org = forms.ModelChoiceField(label=_("所属阵地"), queryset=OrgNode.objects.none(),
                                 empty_label=_("请选择"))
    platform = forms.ModelChoiceField(label=_("服务平台"), empty_label=_("请选择"),
                                      queryset=Platform.objects.filter(is_active=True))
    team = forms.ModelChoiceField(label=_("实施队伍"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("（不指定）"))
    is_brand = forms.BooleanField(label=_("品牌项目（一村一品）"), required=False)
    description = forms.CharField(label=_("项目简介"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        led = led_team_ids(user)
        if is_staff_member(user):
            orgs, teams = visible_orgs(user).exclude(kind=OrgNode.Kind.POINT), teams_for_user(user)
        else:
            orgs = OrgNode.objects.filter(teams__in=led).distinct()
            teams = Team.objects.filter(pk__in=led)
            self.fields["team"].required = True
        self.fields["org"].queryset = orgs.order_by("path")
        self.fields["team"].queryset = teams.filter(is_active=True).order_by("name")
        self.fields["org"].label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"
        if is_staff_member(user):
            searched_org_and_team(self)


class ProjectMoveForm(CleanForm):
    move = forms.ChoiceField(choices=[(m, m) for m in (
        "approve", "reject", "resubmit", "recruit", "run", "close")])
    reason = forms.CharField(label=_("说明"), required=False, max_length=1000)
    outcomes = forms.CharField(label=_("项目成效"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    people_served = forms.IntegerField(label=_("服务对象人次（不填则按活动合计）"), required=False,
                                       min_value=0, max_value=100_000_000)


class PhotoForm(CleanForm):
    image = forms.ImageField(label=_("照片"))


class ProjectEditForm(CleanForm):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    description = forms.CharField(label=_("项目简介"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    is_brand = forms.BooleanField(label=_("品牌项目（一村一品）"), required=False)


class InsuredPlatformsForm(CleanForm):
    platforms = forms.MultipleChoiceField(label=_("须为志愿者投保的服务平台"), required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, platforms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platforms"].choices = [(p.code, p.name) for p in platforms]
