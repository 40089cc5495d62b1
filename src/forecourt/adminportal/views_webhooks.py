"""Admin Portal pages of webhooks beyond the generic list and form: creation (shows the secret
once), "Send test event", a delivery's details and its replay."""

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from forecourt.accounts.models import User
from forecourt.resources import writes
from forecourt.webhooks import events
from forecourt.webhooks.forms import WebhookForm
from forecourt.webhooks.models import Delivery, Webhook

from .guards import admin_required
from .registry import BY_SLUG


@admin_required
def create(request: HttpRequest) -> HttpResponse:
    resource = BY_SLUG["webhooks"]
    form = WebhookForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        webhook = writes.save_form(resource.definition, form, cast("User", request.user))
        # The answer to this POST is the only time the secret is shown.
        return render(request, "adminportal/webhook_created.html", {"webhook": webhook})
    return render(request, "adminportal/form.html", {"resource": resource, "form": form, "object": None})


@admin_required
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    if request.method == "POST":
        delivery = events.send_test(webhook)
        messages.success(request, gettext("Test event queued for %(webhook)s.") % {"webhook": webhook})
        return redirect("adminportal:webhook_delivery", pk=delivery.pk)
    return render(request, "adminportal/webhook_test.html", {"webhook": webhook})


@admin_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("event", "endpoint"), pk=pk)
    return render(request, "adminportal/webhook_delivery.html", {"delivery": delivery})


@admin_required
@require_POST
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("event", "endpoint"), pk=pk)
    new = events.replay(delivery)
    messages.success(request, gettext("%(event)s queued again for %(webhook)s.")
                     % {"event": delivery.event.name, "webhook": delivery.endpoint})
    return redirect("adminportal:webhook_delivery", pk=new.pk)
