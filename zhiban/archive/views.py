"""Archive pages: a unit's volumes (A1.12) for its duty office and the offices above; the backup page,
the system administrator's: the nightly schedule, backups asked for now, and restore drills that prove
a backup restores."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.archive import documents, forms, search, services, volumes
from zhiban.archive.access import get_brief_for_user, get_volume_for_user, require_backup_keeper
from zhiban.archive.forms import BackupPolicyForm
from zhiban.archive.models import Backup, BackupPolicy, Brief, RestoreDrill, Volume
from zhiban.incidents.reporting import may_check, may_sign
from zhiban.lib.downloads import docx_download, download
from zhiban.lib.forms import add_errors
from zhiban.lib.paging import paginate
from zhiban.org.access import check_act, duty_unit, fetch, scope_for
from zhiban.org.contacts import visible_contacts, with_shown_numbers
from zhiban.org.fragments import contact_rows

Q_ALL = Q()  # the page is the system administrator's alone (checked first): every backup is theirs


@login_required
def backup_list(request):
    scope = scope_for(request.user)
    require_backup_keeper(scope)
    policy = BackupPolicy.current()
    form = BackupPolicyForm(instance=policy)
    if request.method == "POST":
        form = BackupPolicyForm(request.POST, instance=policy)
        if form.is_valid():
            with transaction.atomic():
                form.save()
            messages.success(request, "备份策略已保存")
            return redirect("backup_list")
    page = paginate(request, Backup.objects.all())
    drills = RestoreDrill.objects.all()[:10]
    busy = Backup.objects.filter(state__in=[Backup.State.QUEUED, Backup.State.RUNNING]).exists()
    context = {"form": form, "policy": policy, "page": page, "drills": drills, "busy": busy}
    return render(request, "archive/backups.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def backup_request(request):
    scope = scope_for(request.user)
    require_backup_keeper(scope)
    if Backup.objects.filter(state__in=[Backup.State.QUEUED, Backup.State.RUNNING]).exists():
        messages.error(request, "已有一份备份正在进行，完成后再备份")
    else:
        services.request_backup(scope.person, name=request.user.get_username())
        messages.success(request, "已开始备份，完成后在下表中显示")
    return redirect("backup_list")


@login_required
@require_POST
def drill_request(request, pk):
    scope = scope_for(request.user)
    require_backup_keeper(scope)
    backup = fetch(Backup.objects.filter(state=Backup.State.DONE, removed_at=None), pk, Q_ALL)
    if backup.drills.filter(state__in=[RestoreDrill.State.QUEUED, RestoreDrill.State.RUNNING]).exists():
        messages.error(request, "这份备份的恢复演练正在进行")
    else:
        services.request_drill(backup, scope.person)
        messages.success(request, "已开始恢复演练：在临时数据库中恢复这份备份并核对，不影响正在使用的数据库")
    return redirect("backup_list")


# --- volumes (A1.12) -------------------------------------------------------------------------------


@login_required
def archive_home(request):
    """档案: the volumes of the unit one works as, and a new one compiled from its records."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    may_compile = scope.acts_for_unit(unit)
    form = forms.CompileForm(
        request.POST or None, initial={"day": timezone.localdate() - dt.timedelta(days=1)}
    )
    if request.method == "POST":
        check_act(scope, unit)
        if form.is_valid():
            try:
                volume = services.compile_volume(
                    unit, form.cleaned_data["period"], form.cleaned_data["day"], scope.person
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"已编制：{volume.title}，共{volume.items.count()}项")
                return redirect("volume_detail", volume.pk)
    page = paginate(
        request, Volume.objects.filter(unit=unit).select_related("unit").annotate(size=Count("items"))
    )
    context = {"unit": unit, "form": form, "page": page, "may_compile": may_compile}
    return render(request, "archive/home.html", context, status=400 if form.errors else 200)


@login_required
def volume_detail(request, pk):
    volume = get_volume_for_user(request.user, pk)
    scope = scope_for(request.user)
    items = list(volume.items.all())
    for item in items:
        item.kind_words = volumes.BY_CODE[item.kind].words
    found = volumes.breaks(volume)
    broken = {b.item.seq for b in found}
    context = {
        "volume": volume,
        "items": items,
        "kinds": volumes.kinds_in(items),
        "breaks": found,
        "broken": broken,
        "may_act": scope.acts_for_unit(volume.unit),
        "successor": Volume.objects.filter(supersedes=volume).first(),
        "edition_form": forms.EditionForm(),
        "pdf_ready": documents.soffice() is not None,
    }
    return render(request, "archive/volume.html", context)


@login_required
@require_POST
def volume_action(request, pk):
    """重新编制 a draft, 封卷, or a new edition of a sealed volume with its reason."""
    volume = get_volume_for_user(request.user, pk, act=True)
    person = scope_for(request.user).person
    action = request.POST.get("action")
    try:
        if action == "rebuild":
            volume = services.compile_volume(volume.unit, volume.period, volume.start, person)
            messages.success(request, f"已重新编制，共{volume.items.count()}项")
        elif action == "seal":
            volume = services.seal(volume, person)
            messages.success(request, "已封卷：卷内每项记录的校验值已保存，之后的任何修改都会在此显示")
        elif action == "edition":
            volume = services.new_edition(volume, request.POST.get("reason", ""), person)
            messages.success(request, f"已编制第{volume.edition}版；原卷保持封卷时的内容")
        else:
            messages.error(request, "请选择要做的操作")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return redirect("volume_detail", volume.pk)


@login_required
def volume_word(request, pk):
    volume = get_volume_for_user(request.user, pk)
    return docx_download(documents.volume_docx(volume), documents.volume_filename(volume, "docx"))


@login_required
def volume_pdf(request, pk):
    volume = get_volume_for_user(request.user, pk)
    try:
        pdf = documents.to_pdf(documents.volume_docx(volume))
    except documents.PdfUnavailable as error:
        messages.error(request, str(error))
        return redirect("volume_detail", volume.pk)
    return download(pdf, documents.volume_filename(volume, "pdf"), "application/pdf")


# --- the information base (B26) --------------------------------------------------------------------


@login_required
def search_page(request):
    """信息检索: one box over every duty record the person may read, with filters; the contacts directory's
    first matches above them (by its own rules: internal numbers stay with their unit)."""
    scope = scope_for(request.user)
    if not scope.read_paths:
        raise Http404
    form = forms.SearchForm(request.GET or None, scope=scope)
    hits, total, page_number, contacts, more_contacts = [], 0, 1, None, False
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        page_number = data.get("page") or 1
        kind, since, until = data.get("kind") or "", data.get("since"), data.get("until")
        undated = not (since or until or data.get("level"))
        if kind in ("", search.CONTACTS[0]) and undated and page_number == 1:
            found = list(visible_contacts(scope, data["q"], unit=data.get("unit"))[: CONTACTS_SHOWN + 1])
            if found:
                contacts = contact_rows(with_shown_numbers(found[:CONTACTS_SHOWN], scope))
                more_contacts = len(found) > CONTACTS_SHOWN
        if kind != search.CONTACTS[0]:
            hits, total = search.search(
                scope,
                data["q"],
                kind=kind,
                unit_ids=[data["unit"].pk] if data.get("unit") else None,
                since=search_bounds(since) if since else None,
                until=search_bounds(until + dt.timedelta(days=1)) if until else None,
                level=data.get("level") or "",
                offset=(page_number - 1) * search.PAGE,
            )
    pages = (total + search.PAGE - 1) // search.PAGE
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "hits": hits,
        "total": total,
        "page_number": page_number,
        "previous": page_number - 1 if 1 < page_number <= pages else None,
        "next": page_number + 1 if page_number < pages else None,
        "params": params.urlencode(),
        "contacts": contacts,
        "more_contacts": more_contacts,
        "contacts_url": reverse("contact_list") + "?" + urlencode({"q": data.get("q", "")}),
    }
    return render(request, "archive/search.html", context, status=400 if form.errors else 200)


CONTACTS_SHOWN = 10  # the directory's first matches above the records; the rest on its own page


def search_bounds(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


# --- the daily brief (值班要情) ----------------------------------------------------------------------


@login_required
def brief_list(request):
    """The unit's briefs (drafted each day at the cut-off), those received from below, and a draft on
    demand for a chosen day."""
    unit = duty_unit(request)
    scope = scope_for(request.user)
    may_act = scope.acts_as(unit)
    form = forms.BriefDraftForm(
        request.POST or None, initial={"kind": Brief.Kind.DAILY, "day": timezone.localdate()}
    )
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied("只有本单位值班室可以生成要情")
        if form.is_valid():
            brief = services.draft_brief(unit, form.cleaned_data["kind"], form.cleaned_data["day"])
            if brief is None:
                form.add_error("day", "这一期已经生成")
            else:
                messages.success(request, f"已生成{brief}")
                return redirect("brief_detail", brief.pk)
    own = paginate(request, Brief.objects.filter(unit=unit).select_related("unit"))
    received = (
        Brief.objects.filter(state=Brief.State.SENT)
        .filter(Q(unit__parent=unit) | Q(to_units=unit))
        .exclude(unit=unit)
        .select_related("unit")
        .distinct()
        .order_by("-sent_at")[:30]
    )
    context = {"unit": unit, "page": own, "received": received, "form": form, "may_act": may_act}
    return render(request, "archive/briefs.html", context, status=400 if form.errors else 200)


@login_required
def brief_detail(request, pk):
    brief = get_brief_for_user(request.user, pk)
    scope = scope_for(request.user)
    person = scope.person
    own = scope.acts_as(brief.unit)
    editing = forms.BriefForm(instance=brief)
    sending = forms.BriefSendForm(brief=brief)
    if request.method == "POST":
        brief = get_brief_for_user(request.user, pk, act=True)
        action = request.POST.get("action")
        try:
            if action == "edit":
                editing = forms.BriefForm(request.POST, instance=brief)
                if editing.is_valid():
                    services.edit_brief(brief, editing.cleaned_data["body"], person)
                    messages.success(request, "已保存；须重新核稿")
                    return redirect("brief_detail", brief.pk)
            elif action == "check":
                services.check_brief(brief, person)
                messages.success(request, "已核稿，等待领导签发")
                return redirect("brief_detail", brief.pk)
            elif action == "sign":
                services.sign_brief(brief, person)
                messages.success(request, "已签发")
                return redirect("brief_detail", brief.pk)
            elif action == "send":
                sending = forms.BriefSendForm(request.POST, brief=brief)
                if sending.is_valid():
                    services.send_brief(brief, sending.cleaned_data["units"], person)
                    messages.success(request, "已发送")
                    return redirect("brief_detail", brief.pk)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            brief.refresh_from_db()
    context = {
        "brief": brief,
        "own": own,
        "editing": editing,
        "sending": sending,
        "may_edit": own and brief.state in (Brief.State.DRAFT, Brief.State.CHECKED),
        "may_check": own and brief.state == Brief.State.DRAFT and may_check(person, brief.unit),
        "may_sign": own and brief.state == Brief.State.CHECKED and may_sign(person, brief.unit),
        "may_send": own and brief.state == Brief.State.SIGNED,
        "recipients": services.brief_recipients(brief) if brief.sent else [],
    }
    status = 400 if editing.errors or sending.errors else 200
    return render(request, "archive/brief.html", context, status=status)


@login_required
def brief_word(request, pk):
    brief = get_brief_for_user(request.user, pk)
    return docx_download(documents.brief_docx(brief), documents.brief_filename(brief))
