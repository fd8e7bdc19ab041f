from django.urls import path

from . import views

urlpatterns = [
    path("", views.org_tree, name="org_tree"),
]
