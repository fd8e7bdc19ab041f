"""志愿服务记录."""
from django.urls import path

from . import views

urlpatterns = [
    path("me/record/", views.my_record, name="my_record"),
    path("volunteers/<id:volunteer_id>/record/", views.volunteer_record, name="volunteer_record"),
    path("volunteers/<id:volunteer_id>/record/training/", views.training_new,
         name="training_new"),
    path("volunteers/<id:volunteer_id>/record/evaluation/", views.evaluation_new,
         name="evaluation_new"),
    path("trainings/import/", views.training_import, name="training_import"),
    path("trainings/import/template.xlsx", views.training_template, name="training_template"),
    path("corrections/", views.correction_list, name="correction_list"),
    path("corrections/new/<id:record_id>/", views.correction_new, name="correction_new"),
    path("corrections/<id:correction_id>/", views.correction_detail, name="correction_detail"),
    path("corrections/<id:correction_id>/evidence/<str:name>", views.correction_evidence,
         name="correction_evidence"),
    path("corrections/<id:correction_id>/<str:move>/", views.correction_decide,
         name="correction_decide"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<id:complaint_id>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<id:complaint_id>/<str:move>/", views.complaint_move,
         name="complaint_move"),
    path("seals/", views.seal_list, name="seal_list"),
    path("seals/apply/", views.seal_apply, name="seal_apply"),
    path("seals/upload/", views.seal_upload, name="seal_upload"),
    path("seals/<id:application_id>/certificate.pdf", views.seal_certificate,
         name="seal_certificate"),
    path("seals/<id:application_id>/<str:move>/", views.seal_move, name="seal_move"),
    path("export/national/", views.national_page, name="national_export"),
]
