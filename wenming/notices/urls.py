from django.urls import path

from . import views

urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("new/", views.notice_new, name="notice_new"),
    path("<id:pk>/", views.notice_detail, name="notice_detail"),
    path("<id:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("<id:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("<id:pk>/image/<str:name>", views.notice_image, name="notice_image"),
    path("org/<id:org_id>/", views.org_news, name="org_news"),
]
