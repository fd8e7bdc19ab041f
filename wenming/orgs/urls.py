from django.urls import path

from . import views

urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("<id:org_id>/children/", views.org_children, name="org_children"),
]
