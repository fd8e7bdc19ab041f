from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from wenming.core.admin import ChineseAdmin, ReadOnlyAdmin
from wenming.core.forms import call_service
from wenming.core.masking import mask_id_number, mask_mobile

from .models import AuditLog, Resident, Skill, User, Volunteer
from .services import volunteer_update
from .validators import normalize_mobile


class MobileMixin:
    def clean_mobile(self):
        value = self.cleaned_data.get("mobile")
        return normalize_mobile(value) if value else None  # unique, so blank is NULL


class UserForm(MobileMixin, UserChangeForm):
    pass


class UserAddForm(MobileMixin, AdminUserCreationForm):
    pass


def has_profile(user: User) -> bool:
    return hasattr(user, "volunteer") or hasattr(user, "resident")


@admin.register(User)
class UserAdmin(ChineseAdmin, BaseUserAdmin):
    """Accounts. Staff accounts are made and edited here (they have no other page). For a
    volunteer, the name goes through `volunteer_update`, which keeps the volunteer's copy of
    it; the mobile of a volunteer or resident is their login and changes on their profile
    (proved there), so it is shown masked and read-only. Accounts are switched off, never
    deleted: ledgers name them."""

    form = UserForm
    add_form = UserAddForm
    list_display = ("username", "real_name", "masked_mobile", "is_staff", "is_superuser",
                    "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "real_name", "=mobile")  # a whole number only
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("real_name", "mobile", "email", "elder_mode")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": (
        "username", "real_name", "mobile", "usable_password", "password1", "password2")}),)

    @admin.display(description=_("手机号"))
    def masked_mobile(self, user: User) -> str:
        return mask_mobile(user.mobile)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not has_profile(obj):
            return fieldsets
        return [(title, {**opts, "fields": tuple(
            "masked_mobile" if f == "mobile" else f for f in opts["fields"])})
            for title, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("username", "last_login", "date_joined", "masked_mobile")

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        """A volunteer's password is reset on their page, through `password_reset_by_staff`
        (audited, the volunteer told); other accounts here (the save ends their tokens)."""
        volunteer = Volunteer.objects.filter(user_id=id).first() if id.isdigit() else None
        if volunteer is not None:
            return redirect("volunteer_password", volunteer_id=volunteer.pk)
        return super().user_change_password(request, id, form_url)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        volunteer = getattr(obj, "volunteer", None) if obj is not None and change else None
        if volunteer is None:
            return form

        class NameThroughProfile(form):
            def _post_clean(self):
                super()._post_clean()
                if "real_name" in self.changed_data and not self.errors:
                    saved = call_service(self, volunteer_update, volunteer=volunteer,
                                         by=request.user,
                                         changes={"real_name": self.cleaned_data["real_name"]})
                    if saved is not None:  # the admin's save then writes the same name
                        self.instance.real_name = saved.user.real_name

        return NameThroughProfile


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    """Read-only: profiles change on the volunteer pages and the API, through
    `volunteer_update` / `volunteer_approve`, which check scope and keep the copies (the
    name, the home cell, the availability slots)."""

    list_display = ("user", "station", "status", "political_status", "registered_at")
    list_filter = ("status", "political_status")
    search_fields = ("real_name", "=user__mobile", "=id_number")
    list_select_related = ("user", "station")
    exclude = ("id_number",)
    readonly_fields = ("masked_id_number",)

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, volunteer: Volunteer) -> str:
        return mask_id_number(volunteer.id_number)


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    """Read-only: residents register through `resident_register`; no service edits them yet."""

    list_display = ("user", "station", "is_elderly", "registered_at")
    search_fields = ("user__real_name", "=user__mobile")
    list_select_related = ("user", "station")
    exclude = ("id_number",)
    readonly_fields = ("masked_id_number",)

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, resident: Resident) -> str:
        return mask_id_number(resident.id_number)


@admin.register(Skill)
class SkillAdmin(ReadOnlyAdmin):
    """Read-only: skills are made by the volunteers' profiles (`volunteer_update`), and an
    order names the skill it needs by its text, so a rename would orphan it."""

    search_fields = ("name",)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """The personal-data audit log: append-only."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
