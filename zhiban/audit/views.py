from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from zhiban.audit.models import AuditEntry
from zhiban.audit.trail import verify_chain
from zhiban.lib.paging import paginate


@login_required
def audit_log(request):
    """The audit administrator's view of every write and login (三员分立: only that role reads it). The
    user model says who that is (`reads_audit`): the audit app knows no more of the organisation."""
    if not getattr(request.user, "reads_audit", False):
        raise PermissionDenied("只有审计管理员可以查看审计日志")
    entries = AuditEntry.objects.all()
    for name in ("model", "action"):
        if request.GET.get(name):
            entries = entries.filter(**{name: request.GET[name]})
    if request.GET.get("actor"):
        entries = entries.filter(actor_name__contains=request.GET["actor"])
    page = paginate(request, entries, 100)
    verified = None
    if request.GET.get("verify"):
        count, broken = verify_chain()
        verified = {"count": count, "broken": broken}
    return render(
        request, "audit/log.html", {"page": page, "verified": verified, "actions": AuditEntry.Action.choices}
    )
