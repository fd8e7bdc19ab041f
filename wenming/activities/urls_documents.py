from django.urls import path

from . import views_documents as views

urlpatterns = [
    path("my/certificate.pdf", views.my_certificate_pdf, name="my_certificate_pdf"),
    path("volunteers/<id:volunteer_id>/certificate.pdf", views.volunteer_certificate_pdf,
         name="volunteer_certificate_pdf"),
    path("verify/", views.certificate_verify_form, name="certificate_verify_form"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("records/export/", views.records_export_page, name="records_export"),
    path("records/export.xlsx", views.records_export_xlsx, name="records_export_xlsx"),
    path("volunteers/import/", views.volunteer_import, name="volunteer_import"),
    path("volunteers/import/template.xlsx", views.volunteer_import_template,
         name="volunteer_import_template"),
]
