"""宣讲 pages: the lecture menu by 讲堂, the roster, booking a lecture, the bookings and one
booking with the moves its caps allow. Thin: selectors fetch in scope, forms check shape,
services write (as the API does)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import flash_errors
from wenming.orgs.permissions import can_manage, org_get_for_user
from wenming.partners.permissions import unit_get_for_user

from . import services
from .forms import BookingForm, PhotoForm, ProgrammeForm, RateForm, ReasonForm, ReportForm
from .models import WORKFLOW, Rating, Series
from .permissions import (
    allowed_moves,
    booking_caps,
    booking_get_for_user,
    bookings_for_user,
    can_book_for,
    lecture_get_for_user,
    lecturer_caps,
    lecturer_get_for_user,
    lecturers_for_user,
    lecturers_of_user,
    lectures_for_user,
    series_for_user,
)
from .selectors import WEEKDAYS, lecturer_month, month_of, next_month, prev_month

PHOTO_STATES = ("confirmed", "done")


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def lecture_list(request):
    """The lecture menu, by 讲堂 (?series=code)."""
    series = list(series_for_user(request.user))
    code = request.GET.get("series", "")
    qs = lectures_for_user(request.user).filter(is_active=True)
    if code in Series.Code.values:
        qs = qs.filter(series__code=code)
    page = Paginator(qs.order_by("series_id", "title", "id"), 20).get_page(request.GET.get("page"))
    return render(request, "lectures/list.html", {
        "page": page, "series": series, "code": code, "can_book": can_book_for(request.user)})


@login_required
def lecturer_list(request):
    qs = lecturers_for_user(request.user).filter(is_active=True).order_by("kind", "name", "id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(x, lecturer_caps(request.user, x)) for x in page]
    return render(request, "lectures/lecturers.html", {"page": page, "rows": rows})


@login_required
def lecturer_calendar(request, lecturer_id: int):
    """A lecturer's bookings by month (?month=YYYY-MM): their own, or their node's or team
    node's staff; others of the district 403, anyone else 404."""
    lecturer = lecturer_get_for_user(request.user, lecturer_id)
    if not lecturer_caps(request.user, lecturer).sees_calendar:
        raise Forbidden(_("只有宣讲员本人和所属阵地的工作人员可以查看日程"))
    first = month_of(request.GET.get("month"))
    weeks = lecturer_month(lecturer, first)
    return render(request, "lectures/calendar.html", {
        "lecturer": lecturer, "first": first, "weeks": weeks,
        "days": [d for week in weeks for d in week if d.in_month and d.bookings],
        "prev": prev_month(first), "next": next_month(first), "weekday_names": WEEKDAYS})


@login_required
def my_calendar(request):
    """The calendar of the lecturer the user is (a volunteer on the roster)."""
    lecturer = lecturers_of_user(request.user).order_by("pk").first()
    if lecturer is None:
        raise NotFound()
    return redirect("lecturer_calendar", lecturer.pk)


@login_required
def series_detail(request, series_id: int):
    series = series_for_user(request.user).filter(pk=series_id).first()
    if series is None:
        raise NotFound()
    editable = can_manage(request.user, series.org)
    form = ProgrammeForm(_posted(request), initial={"programme": series.programme})
    if request.method == "POST":
        if not editable:
            raise Forbidden()
        if form.is_valid() and call_service(form, services.series_programme_set,
                                            by=request.user, series=series,
                                            **form.cleaned_data):
            messages.success(request, _("已保存课程安排"))
            return redirect("lecture_series", series.pk)
    return render(request, "lectures/series.html", {
        "series": series, "form": form, "editable": editable,
        "lectures": series.lectures.filter(is_active=True).select_related("lecturer", "team")})


@login_required
def lecture_book(request, lecture_id: int):
    lecture = lecture_get_for_user(request.user, lecture_id)
    if not can_book_for(request.user):
        raise Forbidden(_("单位账号或阵地工作人员可以预约宣讲"))
    form = BookingForm(_posted(request), user=request.user, lecture=lecture)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        unit = unit_get_for_user(request.user, values.pop("unit_id")) \
            if "unit_id" in values else None
        org = org_get_for_user(request.user, values.pop("org_id")) if "org_id" in values else None
        booking = call_service(form, services.booking_create, by=request.user, lecture=lecture,
                               unit=unit, org=org, **values)
        if booking is not None:
            messages.success(request, _("已提交预约，等待宣讲员所在阵地确认"))
            return redirect("lecture_booking", booking.pk)
    return render(request, "lectures/book.html", {"lecture": lecture, "form": form})


@login_required
def booking_list(request):
    qs = bookings_for_user(request.user)
    state = request.GET.get("state", "")
    if state in WORKFLOW.states.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-start", "-id"), 20).get_page(request.GET.get("page"))
    return render(request, "lectures/bookings.html", {
        "page": page, "state": state, "states": WORKFLOW.states.choices,
        "lectures_myself": lecturers_of_user(request.user).exists()})


@login_required
def booking_detail(request, booking_id: int):
    booking = booking_get_for_user(request.user, booking_id)
    caps = booking_caps(request.user, booking)
    rated = Rating.objects.filter(booking=booking, user=request.user).exists()
    ratings = list(booking.ratings.values_list("score", flat=True))
    return render(request, "lectures/booking.html", {
        "booking": booking, "caps": caps, "moves": allowed_moves(request.user, booking, caps),
        "events": booking.events.select_related("by"), "photos": booking.photos.all(),
        "rated": rated, "average": round(sum(ratings) / len(ratings), 1) if ratings else None,
        "rating_count": len(ratings), "report_form": ReportForm(), "rate_form": RateForm(),
        "photo_form": PhotoForm(), "label": WORKFLOW.label(booking.state),
        "can_photo": caps.can_add_photo and booking.state in PHOTO_STATES})


def _move(request, booking_id: int, service, done: str, form_class=None):
    booking = booking_get_for_user(request.user, booking_id)
    values = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            flash_errors(request, form)
            return redirect("lecture_booking", booking.pk)
        values = form.cleaned_data
    attempt(request, service, done, by=request.user, booking=booking, **values)
    return redirect("lecture_booking", booking.pk)


@require_POST
@login_required
def booking_confirm(request, booking_id: int):
    return _move(request, booking_id, services.booking_confirm, _("已确认，已生成宣讲活动"))


@require_POST
@login_required
def booking_decline(request, booking_id: int):
    return _move(request, booking_id, services.booking_decline, _("已婉拒"), ReasonForm)


@require_POST
@login_required
def booking_cancel(request, booking_id: int):
    return _move(request, booking_id, services.booking_cancel, _("已取消"), ReasonForm)


@require_POST
@login_required
def booking_report(request, booking_id: int):
    return _move(request, booking_id, services.booking_report, _("已登记"), ReportForm)


@require_POST
@login_required
def booking_rate(request, booking_id: int):
    return _move(request, booking_id, services.booking_rate, _("谢谢您的评价"), RateForm)


@require_POST
@login_required
def booking_photo_add(request, booking_id: int):
    return _move(request, booking_id, services.booking_photo_add, _("已上传照片"), PhotoForm)


@login_required
def booking_photo(request, booking_id: int, photo_id: int):
    booking = booking_get_for_user(request.user, booking_id)
    photo = booking.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    return file_response(photo.image)
