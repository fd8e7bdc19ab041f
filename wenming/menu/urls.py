"""服务菜单: ordering from the menu, the staff's editor, the hotline, the kiosk."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.menu_home, name="menu_home"),
    path("order/c/<id:category_id>/", views.order_category, name="menu_order_category"),
    path("order/item/<id:item_id>/", views.order_item, name="menu_order_item"),
    path("categories/new/", views.category_new, name="menu_category_new"),
    path("categories/<id:category_id>/", views.category_edit, name="menu_category_edit"),
    path("categories/<id:category_id>/items/new/", views.item_new, name="menu_item_new"),
    path("items/<id:item_id>/", views.item_edit, name="menu_item_edit"),
    path("hotline/", views.hotline, name="menu_hotline"),
    path("kiosk/open/", views.kiosk_open, name="kiosk_open"),
    path("kiosk/", views.kiosk_home, name="kiosk_home"),
    path("kiosk/phone/", views.kiosk_phone, name="kiosk_phone"),
    path("kiosk/code/", views.kiosk_code, name="kiosk_code"),
    path("kiosk/menu/", views.kiosk_menu, name="kiosk_menu"),
    path("kiosk/menu/<id:category_id>/", views.kiosk_menu, name="kiosk_category"),
    path("kiosk/item/<id:item_id>/", views.kiosk_item, name="kiosk_item"),
    path("kiosk/leave/", views.kiosk_leave, name="kiosk_leave"),
]
