"""Pages of a recurring activity (重复活动): its occurrences, and changing or cancelling the
remaining ones together. Each occurrence's own page edits or cancels that one alone."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import NotFound
from wenming.core.forms import attempt
from wenming.core.views import flash_errors

from . import recurrence
from .forms import WEEKDAYS, SeriesCancelForm, SeriesChangeForm
from .permissions import activity_get_for_user, series_caps, series_get_for_user
from .selectors import series_occurrences, series_upcoming


@login_required
def series_detail(request, series_id: int):
    series = series_get_for_user(request.user, series_id)
    upcoming = series_upcoming(series)
    caps = series_caps(request.user, series, upcoming)
    return render(request, "activities/series_detail.html", {
        "series": series, "occurrences": series_occurrences(series), "caps": caps,
        "weekdays": [str(label) for n, label in WEEKDAYS if n in series.weekdays],
        "change_form": SeriesChangeForm(occurrences=upcoming),
        "cancel_form": SeriesCancelForm(occurrences=upcoming)})


def _from_activity(request, series, form):
    activity = activity_get_for_user(request.user, form.cleaned_data["from_activity"])
    if activity.series_id != series.pk:
        raise NotFound()
    return activity


@require_POST
@login_required
def series_update(request, series_id: int):
    series = series_get_for_user(request.user, series_id)
    form = SeriesChangeForm(request.POST, occurrences=series_upcoming(series))
    if form.is_valid():
        attempt(request, recurrence.series_update_from, _("以后各场已修改"), by=request.user,
                series=series, from_activity=_from_activity(request, series, form),
                changes=form.changes())
    else:
        flash_errors(request, form)
    return redirect("series_detail", series.pk)


@require_POST
@login_required
def series_cancel(request, series_id: int):
    series = series_get_for_user(request.user, series_id)
    form = SeriesCancelForm(request.POST, occurrences=series_upcoming(series))
    if form.is_valid():
        attempt(request, recurrence.series_cancel_from, _("以后各场已取消，已通知报名的志愿者"),
                by=request.user, series=series,
                from_activity=_from_activity(request, series, form),
                reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return redirect("series_detail", series.pk)
