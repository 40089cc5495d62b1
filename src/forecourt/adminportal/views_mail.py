"""Admin Portal pages of the e-mail log beyond the generic list: one message, and sending it again.

Super-admins only: the messages hold one-time links (password resets, invitations), and a
provider-admin who could read a super-admin's reset link could take over that account.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from forecourt.notify import email
from forecourt.notify.models import EmailLog
from forecourt.ops.security_headers import allow_inline_styles

from .guards import super_admin_required


# The HTML part is shown in a sandboxed srcdoc iframe, which inherits this page's policy; e-mails
# are styled inline (mail clients ignore style sheets), so the page allows inline styles. Its
# scripts stay blocked twice: by the sandbox and by the policy.
@allow_inline_styles
@super_admin_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(EmailLog, pk=pk)
    return render(request, "adminportal/email_log_entry.html", {"entry": entry})


@super_admin_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(EmailLog, pk=pk)
    if entry.status == EmailLog.Status.QUEUED:
        messages.error(request, gettext("This message is still queued: it is being sent."))
        return redirect("adminportal:email_log_entry", pk=entry.pk)
    new = email.resend(entry)
    messages.success(request, gettext("The message to %(to)s was queued again.") % {"to": entry.to})
    return redirect("adminportal:email_log_entry", pk=new.pk)
