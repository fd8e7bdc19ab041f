"""Pages for documents: the certificate PDF, its public verification, the record export
and the roster import. Thin: check who asks, validate, call one service, answer."""

import base64
import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.core.errors import DomainError, NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import visible_orgs
from wenming.people.models import User, Volunteer
from wenming.people.selectors import volunteer_get_for_user
from wenming.people.views import staff_required
from wenming.records.certificates import certificate_with_parts
from wenming.records.models import PARTS

from . import excel
from .certificates import render_certificate_pdf
from .selectors import certificate_by_code, certificate_facts

PDF = "application/pdf"


# ---- shared with the API ---------------------------------------------------------------

def certificate_response(request, *, by: User, volunteer: Volunteer,
                         date_from: datetime.date | None,
                         date_to: datetime.date | None, parts=("services",)) -> HttpResponse:
    """Issue a certificate (a new frozen snapshot, with the record's chosen parts) and answer
    with its PDF."""
    cert = certificate_with_parts(by=by, volunteer=volunteer, parts=parts,
                                  period_from=date_from, period_to=date_to)
    return certificate_pdf_response(request, cert)


def certificate_pdf_response(request, cert) -> HttpResponse:
    url = request.build_absolute_uri(reverse("certificate_verify", args=[cert.code]))
    response = HttpResponse(render_certificate_pdf(cert, url), content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(
        True, f"志愿服务记录证明-{cert.real_name}-{cert.code}.pdf")
    return response


def xlsx_response(content, filename: str) -> HttpResponse:
    """An .xlsx download from bytes or an open file (streamed, then closed)."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=excel.XLSX)
    else:
        response = FileResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def managed_stations(user):
    return visible_orgs(user).filter(kind=OrgNode.Kind.STATION).order_by("path")


# ---- certificates ----------------------------------------------------------------------

class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False)
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False)

    def __init__(self, data, *args, **kwargs):
        data = {"date_from": data.get("from", ""), "date_to": data.get("to", "")}
        super().__init__(data, *args, **kwargs)


def chosen_parts(values) -> list[str]:
    """The record's parts a certificate prints (`parts=`): the hours when none is chosen;
    a part the record does not have is a 400."""
    chosen = [v for value in values for v in str(value).split(",") if v.strip()]
    if unknown := [p for p in chosen if p not in PARTS]:
        raise DomainError(_("未知的证明内容：%(p)s") % {"p": "、".join(unknown)[:100]},
                          code="invalid_parts")
    return chosen or ["services"]


def _period(request) -> tuple[datetime.date | None, datetime.date | None]:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        raise DomainError(_("日期格式不正确，请使用 2026-01-31 的格式"), code="invalid_date")
    return form.cleaned_data["date_from"], form.cleaned_data["date_to"]


@login_required
def my_certificate_pdf(request):
    volunteer = Volunteer.objects.filter(user=request.user).select_related(
        "user", "station").first()
    if volunteer is None:
        raise NotFound(_("只有志愿者可以打印志愿服务记录证明"))
    date_from, date_to = _period(request)
    return certificate_response(request, by=request.user, volunteer=volunteer,
                                date_from=date_from, date_to=date_to,
                                parts=chosen_parts(request.GET.getlist("parts")))


@staff_required
def volunteer_certificate_pdf(request, volunteer_id: int):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    date_from, date_to = _period(request)
    return certificate_response(request, by=request.user, volunteer=volunteer,
                                date_from=date_from, date_to=date_to,
                                parts=chosen_parts(request.GET.getlist("parts")))


def certificate_verify_form(request):
    code = "".join(ch for ch in request.GET.get("code", "") if ch.isalnum())[:32]
    if code:
        return redirect("certificate_verify", code=code.upper())
    return render(request, "documents/verify.html", {"asked": False})


def certificate_verify(request, code: str):
    """Public: what the certificate certified when it was issued, no more personal data
    than it prints (the name masked here, since anyone holding a code may look). The same
    facts as `/api/verify/{code}` answers."""
    try:
        cert = certificate_by_code(code[:32])
    except NotFound:
        return render(request, "documents/verify.html", {"asked": True, "code": code[:32]},
                      status=404)
    return render(request, "documents/verify.html", {
        "asked": True, "code": cert.code, "facts": certificate_facts(cert)})


# ---- record export ---------------------------------------------------------------------

class ExportForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("导出范围"), queryset=OrgNode.objects.none(),
                                 empty_label=None)
    date_from = forms.DateField(label=gettext_lazy("起始日期"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("截止日期"),
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *, user, **kwargs):
        if data is not None:
            data = {"org": data.get("org", ""), "date_from": data.get("from", ""),
                    "date_to": data.get("to", "")}
        super().__init__(data, **kwargs)
        self.fields["org"].queryset = visible_orgs(user).exclude(
            kind=OrgNode.Kind.POINT).order_by("path")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("起始日期不能晚于截止日期"))
        return data


def default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today.replace(day=1), today


@staff_required
def records_export_page(request):
    start, end = default_period()
    return render(request, "documents/records_export.html", {
        "form": ExportForm(None, user=request.user, initial={"date_from": start,
                                                             "date_to": end})})


@staff_required
def records_export_xlsx(request):
    form = ExportForm(request.GET, user=request.user)
    if request.GET.get("org") and "org" in form.errors:
        raise NotFound()  # outside the exporter's subtree, as the API answers
    if not form.is_valid():
        return render(request, "documents/records_export.html", {"form": form}, status=400)
    d = form.cleaned_data
    out, _count = excel.records_export(by=request.user, org=d["org"], date_from=d["date_from"],
                                       date_to=d["date_to"], ip=request.META.get("REMOTE_ADDR"))
    return xlsx_response(out, f"服务记录-{d['org'].name}-{d['date_from']}至{d['date_to']}.xlsx")


# ---- roster import ---------------------------------------------------------------------

MODES = [("all", gettext_lazy("全部或全不（默认）：任一行有错则全部不导入")),
         ("good", gettext_lazy("仅导入无误的行：有错的行跳过，其余照常导入"))]


class ImportForm(forms.Form):
    station = forms.ModelChoiceField(label=gettext_lazy("导入到实践站"),
                                     queryset=OrgNode.objects.none(),
                                     help_text=gettext_lazy("表格中“实践站编号”不填的行导入到这里"))
    file = forms.FileField(label=gettext_lazy("志愿者名单（.xlsx，最多5000行，不超过5MB）"))
    mode = forms.ChoiceField(label=gettext_lazy("导入方式（请在导入前选定）"), choices=MODES,
                             initial="all", widget=forms.RadioSelect)
    password = forms.CharField(
        label=gettext_lazy("初始密码（可不填）"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("所有导入的账号使用此密码登录（请通知本人尽快修改）；不填则账号暂不能登录"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = managed_stations(user)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            validate_password(password)
        return password


@staff_required
def volunteer_import(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = report = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = excel.roster_import(
                by=request.user, station=d["station"], upload=d["file"], mode=d["mode"],
                password_hash=make_password(d["password"]) if d["password"] else None)
        except excel.FileRefused as exc:
            form.add_error("file", str(exc.message))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        except ValidationError as exc:
            form.add_error(None, exc)
        if result is not None and result.bad:
            report = base64.b64encode(excel.error_report_xlsx(result)).decode()
    return render(request, "documents/volunteer_import.html", {
        "form": form, "result": result, "report": report, "xlsx": excel.XLSX,
        "max_rows": excel.MAX_ROWS}, status=400 if form.errors else 200)


@staff_required
def volunteer_import_template(request):
    return xlsx_response(excel.template_xlsx(list(managed_stations(request.user)[:2000])),
                         "志愿者名单导入模板.xlsx")
