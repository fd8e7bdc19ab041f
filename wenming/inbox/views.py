from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import notifications_mark_read


@login_required
def inbox(request):
    messages = Notification.objects.filter(user=request.user)[:100]
    return render(request, "inbox/inbox.html", {"notifications": messages})


@require_POST
@login_required
def mark_read(request):
    notifications_mark_read(user=request.user)
    return redirect("inbox")
