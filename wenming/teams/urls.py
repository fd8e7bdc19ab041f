from django.urls import path

from . import views

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("new/", views.team_new, name="team_new"),
    path("<id:team_id>/", views.team_detail, name="team_detail"),
    path("<id:team_id>/join/", views.team_join, name="team_join"),
    path("<id:team_id>/leave/", views.team_leave, name="team_leave"),
    path("<id:team_id>/members/<id:membership_id>/decide/", views.member_decide,
         name="team_member_decide"),
]
