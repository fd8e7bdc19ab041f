from django.urls import path

from . import views

urlpatterns = [
    path("", views.wish_list, name="wish_list"),
    path("new/", views.wish_new, name="wish_new"),
    path("mine/", views.my_wishes, name="my_wishes"),
    path("claimed/", views.claimed_wishes, name="claimed_wishes"),
    path("review/", views.wish_review, name="wish_review"),
    path("stale/", views.wish_stale, name="wish_stale"),
    path("wall/<id:org_id>/", views.wall_public, name="wish_wall_public"),
    path("<id:wish_id>/", views.wish_detail, name="wish_detail"),
    path("<id:wish_id>/photos/<str:name>", views.wish_photo, name="wish_photo"),
    path("<id:wish_id>/follow/", views.wish_follow, name="wish_follow"),
    path("<id:wish_id>/approve/", views.wish_approve, name="wish_approve"),
    path("<id:wish_id>/reject/", views.wish_reject, name="wish_reject"),
    path("<id:wish_id>/claim/", views.wish_claim, name="wish_claim"),
    path("<id:wish_id>/release/", views.wish_release, name="wish_release"),
    path("<id:wish_id>/fulfil/", views.wish_fulfil, name="wish_fulfil"),
    path("<id:wish_id>/confirm/", views.wish_confirm, name="wish_confirm"),
    path("<id:wish_id>/cancel/", views.wish_cancel, name="wish_cancel"),
]
