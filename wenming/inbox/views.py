from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.forms import call_service

from .forms import PreferenceForm
from .models import Notification
from .services import notifications_mark_read, preference_of, preference_set


@login_required
def inbox(request):
    messages_ = Notification.objects.filter(user=request.user)[:100]
    return render(request, "inbox/inbox.html", {"notifications": messages_})


@require_POST
@login_required
def mark_read(request):
    notifications_mark_read(user=request.user)
    return redirect("inbox")


@login_required
def preferences(request):
    """How I am told: channels beside the inbox, quiet hours, the lead of activity reminders."""
    pref = preference_of(request.user)
    form = PreferenceForm(request.POST or None, initial={
        "channels": pref.channels, "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end, "reminder_lead_minutes": pref.reminder_lead_minutes})
    if request.method == "POST" and form.is_valid():
        if call_service(form, preference_set, user=request.user, **form.cleaned_data):
            messages.success(request, _("已保存"))
            return redirect("inbox_preferences")
    return render(request, "inbox/preferences.html", {"form": form})
