from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm,
                                                 redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("me/", views.my_profile, name="my_profile"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/mobile/", views.mobile_change, name="mobile_change"),
    path("prefs/elder/", views.elder_mode, name="elder_mode"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/<id:volunteer_id>/", views.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<id:volunteer_id>/password/", views.volunteer_password,
         name="volunteer_password"),
]
