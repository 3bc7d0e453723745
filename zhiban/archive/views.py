"""Archive pages. The backup page is the system administrator's: the nightly schedule, backups asked
for now, and restore drills that prove a backup restores."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhiban.archive import services
from zhiban.archive.access import require_backup_keeper
from zhiban.archive.forms import BackupPolicyForm
from zhiban.archive.models import Backup, BackupPolicy, RestoreDrill
from zhiban.lib.paging import paginate
from zhiban.org.access import fetch, scope_for

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
