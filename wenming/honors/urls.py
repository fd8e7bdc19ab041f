"""荣誉表彰 pages under /honors/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.rankings, name="honors_rankings"),
    path("formula/", views.formula, name="honors_formula"),
    path("consent/", views.consent, name="honors_consent"),
    path("board/<id:org_id>/", views.board, name="honors_board"),
    path("selections/", views.selection_list, name="honors_selections"),
    path("selections/new/", views.selection_new, name="honors_selection_new"),
    path("selections/<id:selection_id>/", views.selection_detail, name="honors_selection"),
    path("selections/<id:selection_id>/review/", views.selection_review,
         name="honors_selection_review"),
    path("selections/<id:selection_id>/reopen/", views.selection_reopen,
         name="honors_selection_reopen"),
    path("selections/<id:selection_id>/cancel/", views.selection_cancel,
         name="honors_selection_cancel"),
    path("selections/<id:selection_id>/publicize/", views.selection_publicize,
         name="honors_selection_publicize"),
    path("selections/<id:selection_id>/announce/", views.selection_announce,
         name="honors_selection_announce"),
    path("selections/<id:selection_id>/nominees/", views.nominee_add, name="honors_nominee_add"),
    path("selections/<id:selection_id>/nominees/<id:nominee_id>/remove/", views.nominee_remove,
         name="honors_nominee_remove"),
    path("selections/<id:selection_id>/objections/", views.objection_new,
         name="honors_objection_new"),
    path("selections/<id:selection_id>/objections/<id:objection_id>/decide/",
         views.objection_decide, name="honors_objection_decide"),
    path("awards/", views.award_list, name="honors_awards"),
    path("awards/new/", views.award_new, name="honors_award_new"),
    path("awards/import/", views.award_import, name="honors_award_import"),
    path("awards/template.xlsx", views.award_template, name="honors_award_template"),
]
