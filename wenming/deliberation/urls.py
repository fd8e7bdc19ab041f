"""议事厅 pages under /topics/."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.topic_list, name="topic_list"),
    path("new/", views.topic_new, name="topic_new"),
    path("tasks/", views.tasks_mine, name="topic_tasks_mine"),
    path("comments/", views.comment_queue, name="topic_comment_queue"),
    path("board/<id:org_id>/", views.topic_board, name="topic_board"),
    path("board/<id:org_id>/<id:topic_id>/", views.topic_public, name="topic_public"),
    path("<id:topic_id>/", views.topic_detail, name="topic_detail"),
    path("<id:topic_id>/photos/add/", views.topic_photo_add, name="topic_photo_add"),
    path("<id:topic_id>/photos/<str:name>", views.topic_photo, name="topic_photo"),
    path("<id:topic_id>/follow/", views.topic_follow, name="topic_follow"),
    path("<id:topic_id>/approve/", views.topic_approve, name="topic_approve"),
    path("<id:topic_id>/reject/", views.topic_reject, name="topic_reject"),
    path("<id:topic_id>/merge/", views.topic_merge, name="topic_merge"),
    path("<id:topic_id>/endorse/", views.topic_endorse, name="topic_endorse"),
    path("<id:topic_id>/schedule/", views.topic_schedule, name="topic_schedule"),
    path("<id:topic_id>/vote/", views.topic_vote, name="topic_vote"),
    path("<id:topic_id>/decide/", views.topic_decide, name="topic_decide"),
    path("<id:topic_id>/tasks/", views.task_add, name="topic_task_add"),
    path("<id:topic_id>/tasks/<id:task_id>/report/", views.task_report, name="topic_task_report"),
    path("<id:topic_id>/conclude/", views.topic_conclude, name="topic_conclude"),
    path("<id:topic_id>/rate/", views.topic_rate, name="topic_rate"),
    path("<id:topic_id>/close/", views.topic_close, name="topic_close"),
    path("<id:topic_id>/comments/", views.comment_add, name="topic_comment_add"),
    path("<id:topic_id>/comments/<id:comment_id>/report/", views.comment_report,
         name="topic_comment_report"),
    path("<id:topic_id>/comments/<id:comment_id>/moderate/", views.comment_moderate,
         name="topic_comment_moderate"),
]
