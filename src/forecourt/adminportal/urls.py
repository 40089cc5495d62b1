from django.urls import path

from . import views

app_name = "adminportal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
]
