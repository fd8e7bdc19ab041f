from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.order_new, name="order_new"),
    path("new/for/", views.order_for_resident, name="order_for_resident"),
    path("new/<slug:platform_code>/", views.order_new_details, name="order_new_details"),
    path("mine/", views.order_mine, name="order_mine"),
    path("tasks/", views.order_tasks, name="order_tasks"),
    path("nearby/", views.order_nearby, name="order_nearby"),
    path("queue/", views.order_queue, name="order_queue"),
    path("escalated/", views.order_escalated, name="order_escalated"),
    path("batch/", views.order_batch, name="order_batch"),
    path("batch/<id:proposal_id>/", views.order_batch_proposal, name="order_batch_proposal"),
    path("batch/<id:proposal_id>/dispatch/", views.order_batch_dispatch,
         name="order_batch_dispatch"),
    path("map/", views.order_map, name="order_map"),
    path("grid/", views.order_grid, name="order_grid"),
    path("<id:order_id>/", views.order_detail, name="order_detail"),
    path("<id:order_id>/contact/", views.order_contact_reveal, name="order_contact_reveal"),
    path("<id:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("<id:order_id>/rate/", views.order_rate, name="order_rate"),
    path("<id:order_id>/grab/", views.order_grab, name="order_grab"),
    path("<id:order_id>/accept/", views.order_accept, name="order_accept"),
    path("<id:order_id>/decline/", views.order_decline, name="order_decline"),
    path("<id:order_id>/complete/", views.order_complete, name="order_complete"),
    path("<id:order_id>/dispatch/", views.order_dispatch, name="order_dispatch"),
    path("<id:order_id>/review/", views.order_review, name="order_review"),
    path("<id:order_id>/reject/", views.order_reject, name="order_reject"),
    path("<id:order_id>/open/", views.order_open, name="order_open"),
]
