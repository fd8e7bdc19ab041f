from django.contrib import admin
from django.urls import include, path

from wenming.api import api

admin.site.site_header = "新时代文明实践服务管理平台"
admin.site.site_title = "文明实践平台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("wenming.orgs.urls")),
    path("inbox/", include("wenming.inbox.urls")),
    path("teams/", include("wenming.teams.urls")),
    path("orders/", include("wenming.orders.urls")),
    path("", include("wenming.activities.urls_documents")),
    path("", include("wenming.activities.urls")),
    path("", include("wenming.people.urls")),
]
