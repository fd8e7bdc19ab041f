from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .forms import WhereForm
from .selectors import recommendations_for


@login_required
def recommended(request):
    """The full list; with ?lat=&lng= (the phone's place, from the page's "按当前位置" button)
    distances count from there instead of home."""
    form = WhereForm(request.GET or None)
    where = form.cleaned_data if form.is_valid() else {}
    items = recommendations_for(request.user, lat=where.get("lat"), lng=where.get("lng"))
    return render(request, "recommend/list.html", {"items": items, "form": form,
                                                   "here": bool(where.get("lat"))})

