"""wenming's URLs plus a bare JSON view: the floor a request through the same server and
middleware costs, against which the API's figures are read. Never in production urls."""

from django.http import JsonResponse
from django.urls import path

from wenming.urls import urlpatterns as app_urlpatterns


def bare(request):
    return JsonResponse({"items": [], "count": 0})


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]
