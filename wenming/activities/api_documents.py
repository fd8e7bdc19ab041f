"""Documents in the API: the certificate PDF, the record export and the roster import."""

import datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from wenming.core.errors import Forbidden, NotFound
from wenming.core.schemas import Id, Schema
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member, managed_nodes, org_get_for_user
from wenming.people.selectors import volunteer_get_for_user

from . import excel
from .views_documents import certificate_response, chosen_parts, default_period, xlsx_response

router = Router(tags=["documents 证明与表格"])


class PeriodQuery(Schema):
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")


class CertificateQuery(PeriodQuery):
    parts: str = Field("", max_length=100,
                       description="逗号分隔：services, trainings, commendations, evaluations, "
                                   "complaints（默认 services）")


class ExportQuery(PeriodQuery):
    org: Id | None = None


@router.get("/volunteers/{volunteer_id}/certificate",
            summary="志愿服务记录证明（PDF；每次出具新的验证码和快照）")
def volunteer_certificate(request, volunteer_id: Id, period: Query[CertificateQuery]):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    return certificate_response(request, by=request.user, volunteer=volunteer,
                                date_from=period.date_from, date_to=period.date_to,
                                parts=chosen_parts([period.parts]))


@router.get("/records/export.xlsx", summary="导出一个阵地范围在某时间段的服务记录（Excel，留痕）")
def records_export(request, query: Query[ExportQuery]):
    if not is_staff_member(request.user):
        raise Forbidden(_("只有阵地管理员可以导出服务记录"))
    if query.org is not None:
        org = org_get_for_user(request.user, query.org)
    elif len(nodes := managed_nodes(request.user)) == 1:
        org = nodes[0]
    else:
        raise NotFound(_("请用 org 参数指定导出范围"), code="org_required")
    start, end = default_period()
    date_from, date_to = query.date_from or start, query.date_to or end
    out, _count = excel.records_export(by=request.user, org=org, date_from=date_from,
                                       date_to=date_to, ip=request.META.get("REMOTE_ADDR"))
    return xlsx_response(out, f"服务记录-{org.name}-{date_from}至{date_to}.xlsx")


@router.post("/volunteers/import", response={200: dict, 422: dict},
             summary="从 Excel 名单批量导入志愿者（mode=all 全部或全不；good 仅导入无误的行）")
def volunteer_import(request, file: File[UploadedFile], station_id: Form[Id],
                     mode: Form[str] = "all", password: Form[str] = ""):
    if not is_staff_member(request.user):
        raise Forbidden(_("只有阵地管理员可以导入志愿者"))
    station = org_get_for_user(request.user, station_id)
    if station.kind != OrgNode.Kind.STATION:
        raise NotFound(_("实践站不存在"), code="unknown_station")
    if password:
        validate_password(password)
    result = excel.roster_import(by=request.user, station=station, upload=file, mode=mode,
                                 password_hash=make_password(password) if password else None)
    body = {"mode": result.mode, "rows": len(result.rows), "imported": result.imported,
            "rejected": len(result.bad),
            "errors": [{"row": r.row_no, "errors": r.errors} for r in result.bad]}
    if result.bad and result.mode == "all":
        message = _("有%(n)d行有错误，按“全部或全不”方式未导入任何一行") % {"n": len(result.bad)}
        return Status(422, {"error": {"code": "rows_invalid", "message": message}, **body})
    return body
