from django.urls import path

from . import views

urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("<id:org_id>/children/", views.org_children, name="org_children"),
    path("<id:org_id>/add/", views.org_add, name="org_add"),
    path("<id:org_id>/edit/", views.org_edit, name="org_edit"),
    path("<id:org_id>/move/", views.org_move, name="org_move"),
    path("<id:org_id>/boundary/", views.org_boundary, name="org_boundary"),
    path("<id:org_id>/grids/", views.grid_list, name="grid_list"),
    path("<id:org_id>/grids/new/", views.grid_edit, name="grid_new"),
    path("<id:org_id>/grids/<id:grid_id>/", views.grid_edit, name="grid_edit"),
]
