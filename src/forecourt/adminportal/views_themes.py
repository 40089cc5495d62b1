"""Admin Portal pages for themes (/portal-admin/themes/): list, upload, preview, activate,
download, delete, upgrade. Any admin may look, download, preview and see what an upgrade would do;
changing which code runs on the Live Portal (upload, activate, delete, saving an upgrade) is for
super-admins, because a theme's scripts run on the same origin as the Admin Portal (THREAT_MODEL.md)."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from forecourt.accounts.models import Role, User
from forecourt.themes import archive, problems, services, storage
from forecourt.themes import upgrade as upgrades
from forecourt.themes.models import Theme
from forecourt.themes.rendering import PREVIEW_SESSION_KEY

from .guards import admin_required, super_admin_required


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _page(request: HttpRequest, errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    themes = storage.listing()
    return render(request, "themes/list.html", {
        "themes": themes,
        "upgradable": {t.name for t in themes if t.kind != "bundled" and upgrades.available(t.base)},
        "default_version": themes[0].version,
        "previewing": request.session.get(PREVIEW_SESSION_KEY),
        "can_change": _actor(request).role == Role.SUPER_ADMIN,
        "upload_disabled": bool(storage.setting("Theming.DisableUpload")),
        "max_upload": archive.max_upload(),
        "upload_errors": errors or [],
        "problem": problems.current(),
    }, status=status)


@admin_required
def theme_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@super_admin_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    file = request.FILES.get("file")
    if file is None:
        return _page(request, [gettext("Choose a theme zip file to upload.")], status=422)
    try:
        result = services.upload(file, file.size, _actor(request))
    except services.UploadRefused as exc:
        return _page(request, exc.errors, status=422)
    words = {"name": result.theme.name, "version": result.theme.version}
    done = (gettext("Theme “%(name)s” %(version)s replaced.") if result.replaced
            else gettext("Theme “%(name)s” %(version)s uploaded.")) % words
    if result.skipped:
        done += " " + gettext("Skipped files outside the theme folders: %(files)s.") % {
            "files": ", ".join(result.skipped[:10])}
    messages.success(request, done)
    return redirect("themes:list")


def _known(name: str) -> None:
    if storage.source(name) is None:
        raise Http404("No such theme.")


@super_admin_required
@require_POST
def activate(request: HttpRequest, name: str) -> HttpResponse:
    _known(name)
    storage.activate(name, _actor(request))
    request.session.pop(PREVIEW_SESSION_KEY, None)
    messages.success(request, gettext("Theme “%(name)s” is now the Live Portal's theme.") % {"name": name})
    came_from = upgrades.upgraded_from(name)
    if came_from is not None:
        old, present = came_from
        source = storage.source(name)
        base = source.manifest.base if source is not None else ""
        if present:
            messages.info(request, upgrades.keep_note(old, base))
        else:
            messages.warning(request, gettext("“%(name)s” was upgraded from the theme %(old)s, which is no longer "
                                              "here: should Forecourt be downgraded below %(base)s, upload %(old)s "
                                              "again first.") % {"name": name, "old": old, "base": base})
    return redirect("themes:list")


@admin_required
@require_POST
def preview(request: HttpRequest, name: str) -> HttpResponse:
    """Show the Live Portal with `name` to this admin only (a flag in their session)."""
    _known(name)
    request.session[PREVIEW_SESSION_KEY] = name
    return redirect("live:home")


@admin_required
@require_POST
def preview_exit(request: HttpRequest) -> HttpResponse:
    request.session.pop(PREVIEW_SESSION_KEY, None)
    messages.success(request, gettext("Preview ended."))
    return redirect("themes:list")


@admin_required
def download(request: HttpRequest, name: str) -> HttpResponse:
    source = storage.source(name)
    if source is None:
        raise Http404("No such theme.")
    response = HttpResponse(archive.pack(source), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{source.name}-{source.manifest.version}.zip"'
    return response


@super_admin_required
def delete(request: HttpRequest, name: str) -> HttpResponse:
    theme = Theme.objects.filter(name=name).first()
    if theme is None:
        raise Http404("No such uploaded theme.")
    reasons = []
    if storage.configured_active() == theme.name:
        reasons.append(gettext("It is the active theme: activate another theme first."))
    if request.method == "POST" and not reasons:
        try:
            storage.delete(theme.name, _actor(request))
        except storage.Refused as exc:
            reasons.append(str(exc))
        else:
            if request.session.get(PREVIEW_SESSION_KEY) == theme.name:
                request.session.pop(PREVIEW_SESSION_KEY, None)
            messages.success(request, gettext("Theme “%(name)s” deleted.") % {"name": theme.name})
            return redirect("themes:list")
    status = 409 if request.method == "POST" and reasons else 200
    return render(request, "themes/confirm_delete.html", {"theme": theme, "reasons": reasons,
                                                          "upgraded_to": _upgraded_to(theme.name)}, status=status)


def _upgraded_to(name: str) -> list[Theme]:
    """The stored themes upgraded from `name`: deleting it loses the theme to go back to for them."""
    return [t for t in Theme.objects.only("name", "base", "manifest")
            if isinstance(t.manifest, dict) and t.manifest.get("upgraded_from") == name]


@admin_required
@require_POST
def dismiss_problem(request: HttpRequest) -> HttpResponse:
    problems.clear()
    messages.success(request, gettext("Theme problem dismissed."))
    return redirect("themes:list")


@admin_required
def upgrade(request: HttpRequest, name: str) -> HttpResponse:
    """What upgrading `name` to the bundled default does (GET, any admin), and saving it (POST, super-admins).

    The POST carries the fingerprint of the preview the admin saw: if the theme or the default
    changed since, nothing is saved and the new preview is shown. The saved copy is not activated.
    """
    _known(name)
    can_change = _actor(request).role == Role.SUPER_ADMIN
    if request.method == "POST" and not can_change:
        raise PermissionDenied("Only super-admins may save an upgraded theme.")
    try:
        result = upgrades.plan(name)
    except upgrades.UpgradeRefused as exc:
        status = 409 if request.method == "POST" else 200
        return render(request, "themes/upgrade.html", {"name": name, "refused": str(exc)}, status=status)
    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("fingerprint") != result.fingerprint:
            errors.append(gettext("The theme or the default theme changed since this preview: review the changes "
                                  "again."))
        elif request.POST.get("confirm") != "yes":
            errors.append(gettext("Tick the box to confirm that you reviewed the changes."))
        elif not result.clean:
            errors.append(gettext("An upgrade with conflicts or render errors is not saved."))
        else:
            try:
                theme = upgrades.apply(result, _actor(request))
            except upgrades.UpgradeRefused as exc:
                errors.append(str(exc))
            else:
                messages.success(request, gettext("Theme “%(name)s” %(version)s saved, based on the default theme "
                                                  "%(base)s. It is not active: preview it, then activate it.")
                                 % {"name": theme.name, "version": theme.version, "base": theme.base})
                messages.info(request, result.keep_note)
                return redirect("themes:list")
    status = 409 if errors or (request.method == "POST" and not result.clean) else 200
    changed = [c for c in result.changes if c.status != upgrades.UNCHANGED or c.note]
    return render(request, "themes/upgrade.html", {
        "name": name, "upgrade": result, "changed": changed,
        "unchanged": len(result.changes) - len(changed), "can_change": can_change, "errors": errors,
    }, status=status)
