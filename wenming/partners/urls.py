"""共建单位, 双报到, 吹哨报到, mediation cases (mounted at /units/)."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("new/", views.unit_new, name="unit_new"),
    path("join/", views.unit_join_page, name="unit_join_page"),
    path("<id:pk>/", views.unit_detail, name="unit_detail"),
    path("<id:pk>/accounts/new/", views.unit_account_new, name="unit_account_new"),
    path("<id:pk>/contact/", views.unit_contact_reveal, name="unit_contact_reveal"),
    path("<id:pk>/join/", views.unit_join, name="unit_join"),
    path("<id:pk>/leave/", views.unit_leave, name="unit_leave"),
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/<id:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<id:pk>/photos/<id:photo_pk>/", views.handover_photo,
         name="handover_photo"),
    path("handovers/<id:pk>/<slug:move>/", views.handover_move, name="handover_move"),
    path("orders/<id:order_pk>/handover/", views.order_handover, name="order_handover"),
    path("orders/<id:order_pk>/hand-up/", views.order_hand_up, name="order_hand_up"),
    path("mediations/", views.mediation_list, name="mediation_list"),
    path("mediations/new/", views.mediation_new, name="mediation_new"),
    path("mediations/<id:pk>/", views.mediation_detail, name="mediation_detail"),
]
