from django.urls import path

from . import views

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<id:activity_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<id:activity_id>/enroll/", views.enroll, name="activity_enroll"),
    path("activities/<id:activity_id>/withdraw/", views.withdraw, name="activity_withdraw"),
    path("activities/<id:activity_id>/checkin/", views.checkin, name="activity_checkin"),
    path("activities/<id:activity_id>/checkout/", views.checkout, name="activity_checkout"),
    path("activities/<id:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<id:activity_id>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("activities/<id:activity_id>/manage/", views.activity_manage, name="activity_manage"),
    path("activities/<id:activity_id>/qr/", views.activity_qr, name="activity_qr"),
    path("activities/<id:activity_id>/backfill/", views.backfill, name="activity_backfill"),
    path("activities/<id:activity_id>/served/", views.people_served, name="activity_served"),
    path("activities/cards/upcoming/", views.card_upcoming, name="card_upcoming"),
    path("my/hours/", views.my_hours, name="my_hours"),
    path("records/pending/", views.records_pending, name="records_pending"),
    path("records/pending/card/", views.card_pending, name="card_pending"),
    path("records/approve/", views.records_approve_many, name="records_approve_many"),
    path("records/<id:record_id>/", views.record_detail, name="record_detail"),
    path("records/<id:record_id>/reverse/", views.record_reverse, name="record_reverse"),
    path("records/<id:record_id>/approve/", views.record_approve, name="record_approve"),
    path("records/<id:record_id>/reject/", views.record_reject, name="record_reject"),
]
