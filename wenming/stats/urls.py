"""数据统计: dashboards, reports and the big screen."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.stats_home, name="stats_home"),
    path("<id:pk>/", views.dashboard_page, name="stats_dashboard"),
    path("<id:pk>/places.json", views.places_json, name="stats_places"),
    path("<id:pk>/report/", views.report_download, name="stats_report"),
    path("<id:pk>/screens/", views.screen_link_new, name="stats_screen_new"),
    path("screens/<id:link_id>/revoke/", views.screen_link_revoke, name="stats_screen_revoke"),
    path("screen/<str:token>/", views.screen_page, name="stats_screen"),
    path("screen/<str:token>/data.json", views.screen_json, name="stats_screen_data"),
]
