from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forecourt.accounts.models import Organisation, User

from .access import admin_required
from .forms import AdminAuthenticationForm


class SignInView(auth_views.LoginView):
    template_name = "adminportal/sign_in.html"
    authentication_form = AdminAuthenticationForm
    redirect_authenticated_user = False
    next_page = "adminportal:dashboard"  # resolve_url() takes URL names


class SignOutView(auth_views.LogoutView):
    next_page = "adminportal:login"


@admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = {
        "users": User.objects.count(),
        "organisations": Organisation.objects.count(),
    }
    return render(request, "adminportal/dashboard.html", {"counts": counts})
