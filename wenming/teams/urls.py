from django.urls import path

from . import views

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("new/", views.team_new, name="team_new"),
    path("<int:team_id>/", views.team_detail, name="team_detail"),
    path("<int:team_id>/join/", views.team_join, name="team_join"),
    path("<int:team_id>/leave/", views.team_leave, name="team_leave"),
    path("<int:team_id>/members/<int:membership_id>/decide/", views.member_decide,
         name="team_member_decide"),
]
