from django.contrib import admin
from django.urls import include, path, register_converter

from wenming.api import api
from wenming.core import views as core_views
from wenming.core.converters import IdConverter

# Before the apps' urls are included: their routes take `<id:pk>` (a 64-bit row id).
register_converter(IdConverter, "id")

# Answers Django gives itself: JSON in the API's error shape under /api/, pages elsewhere.
handler400 = "wenming.core.error_views.bad_request"
handler403 = "wenming.core.error_views.permission_denied"
handler404 = "wenming.core.error_views.page_not_found"
handler500 = "wenming.core.error_views.server_error"

admin.site.site_header = "新时代文明实践服务管理平台"
admin.site.site_title = "文明实践平台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("offline/", core_views.offline, name="offline"),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("wenming.orgs.urls")),
    path("inbox/", include("wenming.inbox.urls")),
    path("teams/", include("wenming.teams.urls")),
    path("wishes/", include("wenming.wishes.urls")),
    path("points/", include("wenming.points.urls")),
    path("orders/", include("wenming.orders.urls")),
    path("stats/", include("wenming.stats.urls")),
    path("honors/", include("wenming.honors.urls")),
    path("topics/", include("wenming.deliberation.urls")),
    path("units/", include("wenming.partners.urls")),
    path("menu/", include("wenming.menu.urls")),
    path("lectures/", include("wenming.lectures.urls")),
    path("rooms/", include("wenming.rooms.urls")),
    path("callups/", include("wenming.callups.urls")),
    path("notices/", include("wenming.notices.urls")),
    path("recommend/", include("wenming.recommend.urls")),
    # The volunteer record's paths (/me/record/, /complaints/, ...) sit at the root.
    path("", include("wenming.records.urls")),
    path("", include("wenming.activities.urls_documents")),
    path("", include("wenming.activities.urls")),
    path("", include("wenming.people.urls")),
]

# No URL serves MEDIA_ROOT by its path (here or in a proxy, docs/deployment.md): a goods
# picture or a wish photo leaves only through its object's view, which checks who may see it
# (wenming.core.uploads).
