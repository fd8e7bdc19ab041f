from django.urls import path

from . import views

urlpatterns = [
    path("", views.callup_list, name="callup_list"),
    path("new/", views.callup_new, name="callup_new"),
    path("<id:callup_id>/", views.callup_detail, name="callup_detail"),
    path("<id:callup_id>/coverage/", views.callup_coverage, name="callup_coverage"),
    path("<id:callup_id>/shifts/<id:shift_id>/signup/", views.signup, name="callup_signup"),
    path("<id:callup_id>/shifts/<id:shift_id>/withdraw/", views.withdraw,
         name="callup_withdraw"),
    path("<id:callup_id>/<slug:move>/", views.callup_move, name="callup_move"),
]
