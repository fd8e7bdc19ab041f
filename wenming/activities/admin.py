from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wenming.core.admin import ChineseAdmin, ReadOnlyAdmin, ServiceAddAdmin

from .models import Activity, Certificate, Project, ServiceRecord, ServiceRules
from .services import project_create


class ServiceRulesForm(forms.ModelForm):
    """The checks of the rules' only editor: no stored value may break a later read."""

    def clean_star_thresholds(self) -> list[int]:
        value = self.cleaned_data["star_thresholds"] or []
        whole = isinstance(value, list) and all(
            type(t) is int and t > 0 for t in value)  # a bool is no number of hours
        if not whole or value != sorted(set(value)):
            raise forms.ValidationError(_("星级门槛应为递增的正整数（小时），如 [100, 300, 600]"))
        return value

    def clean(self):
        data = super().clean()
        cap, top = data.get("daily_hours_cap"), data.get("daily_hours_max")
        if cap is not None and top is not None and cap > top:
            self.add_error("daily_hours_max", _("每日时长最高不能低于直接认定上限"))
        ratio = data.get("coverage_ratio")
        if ratio is not None and not 0 < ratio <= 1:
            self.add_error("coverage_ratio", _("出勤比例应大于0且不超过1"))
        if data.get("qr_window_seconds") == 0:
            self.add_error("qr_window_seconds", _("签到码刷新周期应大于0"))
        return data


@admin.register(ServiceRules)
class ServiceRulesAdmin(ChineseAdmin):
    """A district's rules: configuration with no service (read by `activities.rules`)."""

    form = ServiceRulesForm

    list_display = ("center", "max_checkins_per_day", "daily_hours_cap", "daily_hours_max",
                    "coverage_ratio", "record_deadline_workdays")
    raw_id_fields = ("center",)


@admin.register(Project)
class ProjectAdmin(ServiceAddAdmin):
    """New projects through `project_create` (the admin is their only page). A project is not
    changed afterwards: there is no service for it yet."""

    list_display = ("title", "platform", "org", "is_brand")
    list_filter = ("is_brand", "platform")
    search_fields = ("title",)
    raw_id_fields = ("org", "team")
    fields = ("title", "platform", "org", "team", "is_brand", "description")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data: dict) -> Project:
        return project_create(by=request.user, title=data["title"], platform=data["platform"],
                              org=data["org"], team=data["team"], is_brand=data["is_brand"],
                              description=data["description"])


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Read-only: quota, waitlist and cancellation rules live in `activities.services`."""

    list_display = ("title", "platform", "org", "start", "quota", "status")
    list_filter = ("status", "platform")
    search_fields = ("title",)
    exclude = ("qr_secret",)


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    """Read-only: the hours ledger changes only through approval, rejection and reversal."""

    list_display = ("volunteer", "title", "service_date", "hours", "status", "kind")
    list_filter = ("status", "kind")
    list_select_related = ("volunteer__user",)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Read-only: certificates are issued by `certificate_issue` and never changed."""

    list_display = ("code", "real_name", "total_hours", "org", "issued_at")
    search_fields = ("code",)
