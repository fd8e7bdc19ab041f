"""wenming's URLs plus a bare JSON view: the floor a request through the same server and
middleware costs, against which the API's figures are read. Never in production urls.

Also the benchmark server's query counter (bench/settings.py puts it first in MIDDLEWARE):
each response carries `X-Queries`, the number of SQL statements the request ran."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from wenming.urls import urlpatterns as app_urlpatterns


def bare(request):
    return JsonResponse({"items": [], "count": 0})


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]
