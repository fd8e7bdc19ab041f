"""宣讲."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.lecture_list, name="lecture_list"),
    path("lecturers/", views.lecturer_list, name="lecturer_list"),
    path("lecturers/<id:lecturer_id>/calendar/", views.lecturer_calendar,
         name="lecturer_calendar"),
    path("calendar/", views.my_calendar, name="my_lecture_calendar"),
    path("series/<id:series_id>/", views.series_detail, name="lecture_series"),
    path("<id:lecture_id>/book/", views.lecture_book, name="lecture_book"),
    path("bookings/", views.booking_list, name="lecture_bookings"),
    path("bookings/<id:booking_id>/", views.booking_detail, name="lecture_booking"),
    path("bookings/<id:booking_id>/confirm/", views.booking_confirm, name="lecture_confirm"),
    path("bookings/<id:booking_id>/decline/", views.booking_decline, name="lecture_decline"),
    path("bookings/<id:booking_id>/cancel/", views.booking_cancel, name="lecture_cancel"),
    path("bookings/<id:booking_id>/report/", views.booking_report, name="lecture_report"),
    path("bookings/<id:booking_id>/rate/", views.booking_rate, name="lecture_rate"),
    path("bookings/<id:booking_id>/photos/", views.booking_photo_add, name="lecture_photo_add"),
    path("bookings/<id:booking_id>/photos/<id:photo_id>/", views.booking_photo,
         name="lecture_photo"),
]
