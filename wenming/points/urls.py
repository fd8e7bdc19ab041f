from django.urls import path

from . import views

urlpatterns = [
    path("", views.points_home, name="points_home"),
    path("accounts/", views.points_accounts, name="points_accounts"),
    path("accounts/<id:account_id>/", views.points_account, name="points_account"),
    path("stores/", views.store_list, name="store_list"),
    path("stores/new/", views.store_new, name="store_new"),
    path("stores/<id:store_id>/", views.store_detail, name="store_detail"),
    path("stores/<id:store_id>/manage/", views.store_manage, name="store_manage"),
    path("stores/<id:store_id>/pickup/", views.store_pickup, name="store_pickup"),
    path("goods/<id:goods_id>/edit/", views.goods_edit, name="goods_edit"),
    path("goods/<id:goods_id>/redeem/", views.redeem, name="goods_redeem"),
    path("goods/<id:goods_id>/pictures/<str:name>", views.goods_picture, name="goods_picture"),
    path("redemptions/", views.my_redemptions, name="my_redemptions"),
    path("redemptions/<id:redemption_id>/", views.redemption_detail, name="redemption_detail"),
    path("redemptions/<id:redemption_id>/cancel/", views.redemption_cancel,
         name="redemption_cancel"),
]
