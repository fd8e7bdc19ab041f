from django.urls import path

from . import views

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("new/", views.room_new, name="room_new"),
    path("mine/", views.my_bookings, name="my_bookings"),
    path("queue/", views.booking_queue, name="booking_queue"),
    path("<id:room_id>/", views.room_detail, name="room_detail"),
    path("<id:room_id>/edit/", views.room_edit, name="room_edit"),
    path("<id:room_id>/photo/", views.room_photo, name="room_photo"),
    path("<id:room_id>/bookings/<id:booking_id>/", views.booking_detail, name="room_booking"),
    path("<id:room_id>/bookings/<id:booking_id>/<slug:move>/", views.booking_move,
         name="room_booking_move"),
]
