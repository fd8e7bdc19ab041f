from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

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
    path("wishes/", include("wenming.wishes.urls")),
    path("points/", include("wenming.points.urls")),
    path("orders/", include("wenming.orders.urls")),
    path("", include("wenming.activities.urls_documents")),
    path("", include("wenming.activities.urls")),
    path("", include("wenming.people.urls")),
]

# Uploaded goods pictures, served by Django: the embedded single-machine default has no web
# server beside it; in production a reverse proxy serves this folder (docs/deployment.md).
# Only goods/: wish photos may show residents, so they go through their scoped view
# (/wishes/<id>/photo/) and never out of MEDIA_ROOT directly.
def media(request, path: str):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>goods/.+)$", media)]
