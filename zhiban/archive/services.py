"""The archive's workflows: volumes compiled, sealed and re-edited (A1.12); backups asked for and taken, kept for the policy's number of nights, and
restore drills that prove a backup can be restored.

A backup or a drill is asked for on the page (a row in state queued) and done by the job runner, so the
page never waits on a dump; the nightly backup is the runner's own. Each is claimed by a conditional
update, so two runners never take the same one; a runner killed in the middle leaves a row that the
next runner marks failed ("中断") after STALE_AFTER, and a `.partial` file, never a half backup."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.archive import backups, briefs, volumes
from zhiban.archive.models import Backup, BackupPolicy, Brief, RestoreDrill, Volume
from zhiban.incidents.reporting import may_check, may_sign
from zhiban.incidents.services import office_people
from zhiban.notify.outbox import notify_people

log = logging.getLogger("zhiban.archive")

# A dump of a city's year takes minutes; one still "running" after this had its runner killed.
STALE_AFTER = dt.timedelta(hours=6)


def request_backup(person=None, name: str = "") -> Backup:
    return Backup.objects.create(
        kind=Backup.Kind.MANUAL,
        requested_at=timezone.now(),
        by=person,
        by_name=person.name if person else name,
    )


def request_drill(backup: Backup, person=None) -> RestoreDrill:
    return RestoreDrill.objects.create(
        backup=backup,
        backup_name=backup.name,
        requested_at=timezone.now(),
        by=person,
        by_name=person.name if person else "",
    )


def scheduled_moment(policy: BackupPolicy, now: dt.datetime) -> dt.datetime:
    """The latest moment of the nightly schedule at or before `now` (today's, or yesterday's)."""
    local = timezone.localtime(now)
    moment = local.replace(hour=policy.at.hour, minute=policy.at.minute, second=0, microsecond=0)
    if moment > local:
        moment -= dt.timedelta(days=1)
    return moment


def nightly_due(now: dt.datetime | None = None) -> Backup | None:
    """The nightly backup the schedule owes, as a queued row, if none stands for its moment yet. A
    runner that was down at 02:30 takes it when it comes back, once; down for three nights, it takes
    one backup, not three."""
    now = now or timezone.now()
    policy = BackupPolicy.current()
    if not policy.active:
        return None
    moment = scheduled_moment(policy, now)
    if Backup.objects.filter(scheduled_for=moment).exists():
        return None  # taken, or failed and shown as failed on the page: not retried in a loop
    try:
        with transaction.atomic():
            return Backup.objects.create(
                kind=Backup.Kind.NIGHTLY, scheduled_for=moment, requested_at=now, by_name="每日自动备份"
            )
    except IntegrityError:
        return None  # another runner queued it a moment ago


def run_backup(backup: Backup) -> Backup:
    """Claims a queued backup and takes it; the row says how it went."""
    now = timezone.now()
    if not Backup.objects.filter(pk=backup.pk, state=Backup.State.QUEUED).update(
        state=Backup.State.RUNNING, started_at=now
    ):
        backup.refresh_from_db()
        return backup
    backup.refresh_from_db()
    dest = backups.backup_dir() / backups.default_name(at=now, number=backup.pk)
    try:
        manifest = backups.take(dest)
    except Exception as error:  # a backup that fails says why on the page; the runner goes on
        log.exception("backup %s failed", backup.pk)
        Backup.objects.filter(pk=backup.pk).update(
            state=Backup.State.FAILED, finished_at=timezone.now(), error=_words(error)
        )
    else:
        Backup.objects.filter(pk=backup.pk).update(
            state=Backup.State.DONE,
            finished_at=timezone.now(),
            name=dest.name,
            size=manifest.size,
            sha256=manifest.sha256,
            records=manifest.records,
            audit_count=manifest.audit_count,
        )
    backup.refresh_from_db()
    if backup.state == Backup.State.DONE and backup.kind == Backup.Kind.NIGHTLY:
        prune()
    return backup


def prune() -> list[Backup]:
    """Deletes the nightly backup files beyond the policy's number (the newest kept); their rows stay,
    saying when the file went. Manual backups are never deleted by the schedule."""
    keep = BackupPolicy.current().keep
    done = Backup.objects.filter(kind=Backup.Kind.NIGHTLY, state=Backup.State.DONE, removed_at=None).order_by(
        "-finished_at", "-id"
    )
    removed = []
    for backup in done[keep:]:
        path = file_of(backup)
        path.unlink(missing_ok=True)
        backups.manifest_path(path).unlink(missing_ok=True)
        Backup.objects.filter(pk=backup.pk).update(removed_at=timezone.now())
        removed.append(backup)
    return removed


def file_of(backup: Backup) -> Path:
    return backups.backup_dir() / backup.name


def run_drill(drill: RestoreDrill) -> RestoreDrill:
    """Claims a queued drill: restores its backup into a scratch database and checks it there."""
    if not RestoreDrill.objects.filter(pk=drill.pk, state=RestoreDrill.State.QUEUED).update(
        state=RestoreDrill.State.RUNNING, started_at=timezone.now()
    ):
        drill.refresh_from_db()
        return drill
    outcome: dict = {}
    try:
        with backups.scratch_database() as (alias, described):
            outcome["target"] = described
            manifest, found = backups.restore(Path(backups.backup_dir() / drill.backup_name), alias)
        outcome.update(
            state=RestoreDrill.State.PASSED if found.passed else RestoreDrill.State.FAILED,
            records=sum(found.counts.values()),
            counts_match=found.counts_match,
            chain_holds=found.chain_holds,
            audit_count=found.audit_count,
            detail=found.words(),
        )
    except Exception as error:  # the drill's whole point is to say what went wrong
        log.exception("restore drill %s failed", drill.pk)
        outcome.update(state=RestoreDrill.State.FAILED, detail=_words(error))
    RestoreDrill.objects.filter(pk=drill.pk).update(finished_at=timezone.now(), **outcome)
    drill.refresh_from_db()
    return drill


def fail_stale(now: dt.datetime | None = None) -> int:
    """Rows left running by a runner that was killed: failed, saying so (their `.partial` files are
    overwritten by the next backup of the same name, or stay as evidence)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    words = "备份中断：后台任务在备份过程中停止，请重新备份"
    count = Backup.objects.filter(state=Backup.State.RUNNING, started_at__lt=cutoff).update(
        state=Backup.State.FAILED, finished_at=timezone.now(), error=words
    )
    count += RestoreDrill.objects.filter(state=RestoreDrill.State.RUNNING, started_at__lt=cutoff).update(
        state=RestoreDrill.State.FAILED,
        finished_at=timezone.now(),
        detail="演练中断：后台任务在演练过程中停止",
    )
    return count


def _words(error: Exception) -> str:
    if isinstance(error, backups.BackupError):
        return str(error)
    return f"{type(error).__name__}：{error}"[:1000]


# --- volumes (A1.12) -------------------------------------------------------------------------------


def compile_volume(unit, period: str, start: dt.date, person=None) -> Volume:
    """A new volume (edition 1) of `unit` for the period beginning `start`, or the draft there is,
    compiled afresh. A sealed one is refused: it takes a new edition with a reason."""
    start = volumes.period_start(period, start)
    with transaction.atomic():
        volume = (
            Volume.objects.select_for_update()
            .filter(unit=unit, period=period, start=start)
            .order_by("-edition")
            .first()
        )
        if volume is not None and volume.sealed:
            raise ValidationError("这一卷已封卷，不能重新编制；如确需更正，请编制新版并说明原因")
        if volume is None:
            volume = Volume(unit=unit, period=period, start=start)
        volumes.fill(volume, person)
    return volume


def new_edition(volume: Volume, reason: str, person=None) -> Volume:
    """A sealed volume's next edition, compiled now; the sealed one stays as it was, superseded."""
    reason = reason.strip()
    if not volume.sealed:
        raise ValidationError("这一卷尚未封卷，直接重新编制即可")
    if not reason:
        raise ValidationError({"reason": "请说明为什么编制新版"})
    if Volume.objects.filter(supersedes=volume).exists():
        raise ValidationError("这一卷已有新版")
    with transaction.atomic():
        edition = Volume(
            unit=volume.unit,
            period=volume.period,
            start=volume.start,
            edition=volume.edition + 1,
            reason=reason[:500],
            supersedes=volume,
        )
        volumes.fill(edition, person)
    return edition


def seal(volume: Volume, person=None) -> Volume:
    """封卷: the volume as compiled, with a digest over its items' digests; compiled afresh first, so
    what is sealed is what the records say at this moment."""
    with transaction.atomic():
        locked = Volume.objects.select_for_update().get(pk=volume.pk)
        if locked.sealed:
            raise ValidationError("这一卷已封卷")
        volumes.fill(locked, person)
        locked.digest = hashlib.sha256(
            "".join(locked.items.order_by("seq").values_list("digest", flat=True)).encode()
        ).hexdigest()
        locked.sealed_at = timezone.now()
        locked.sealed_by_name = person.name if person else ""
        locked.save(update_fields=["digest", "sealed_at", "sealed_by_name"])
    return locked


# --- the daily brief (值班要情) ----------------------------------------------------------------------


def draft_brief(unit, kind: str, day: dt.date, now: dt.datetime | None = None) -> Brief | None:
    """The brief of `unit` for the period ending on `day` (daily) or of `day`'s month (monthly), drafted
    from the records with the year's next number; None if it is drafted already."""
    now = now or timezone.now()
    if kind == Brief.Kind.DAILY:
        since, until = briefs.daily_period(unit, day)
    else:
        since, until = briefs.monthly_period(day)
    if Brief.objects.filter(unit=unit, kind=kind, since=since).exists():
        return None  # before composing: the runner asks for every unit on duty, most already drafted
    compose = briefs.compose_daily if kind == Brief.Kind.DAILY else briefs.compose_monthly
    body = compose(unit, since, until)
    year = timezone.localtime(until - dt.timedelta(seconds=1)).year
    try:
        with transaction.atomic():
            if Brief.objects.filter(unit=unit, kind=kind, since=since).exists():
                return None
            last = Brief.objects.filter(unit=unit, kind=kind, year=year).order_by("-number").first()
            return Brief.objects.create(
                unit=unit,
                kind=kind,
                year=year,
                number=(last.number + 1) if last else 1,
                since=since,
                until=until,
                body=body,
                drafted_at=now,
            )
    except IntegrityError:
        return None  # another runner drafted it (or took the number) a moment ago


def edit_brief(brief: Brief, body: str, person) -> Brief:
    """The office edits the draft; an edit after 核稿 sends it back to be checked again."""
    if brief.state in (Brief.State.SIGNED, Brief.State.SENT):
        raise ValidationError("已签发的要情不能修改")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "正文不能为空"})
    brief.body = body
    brief.state = Brief.State.DRAFT
    brief.checked_by, brief.checked_at = None, None
    brief.save()
    return brief


def check_brief(brief: Brief, person) -> Brief:
    if brief.state != Brief.State.DRAFT:
        raise ValidationError("只有待核稿的要情可以核稿")
    if not may_check(person, brief.unit):
        raise ValidationError("核稿由值班室管理员或领导进行")
    brief.state, brief.checked_by, brief.checked_at = Brief.State.CHECKED, person, timezone.now()
    brief.save()
    return brief


def sign_brief(brief: Brief, person) -> Brief:
    if brief.state != Brief.State.CHECKED:
        raise ValidationError("要情须先核稿再签发")
    if not may_sign(person, brief.unit):
        raise ValidationError("签发由带班领导或本单位领导进行")
    brief.state, brief.signed_by, brief.signed_at = Brief.State.SIGNED, person, timezone.now()
    brief.save()
    return brief


def send_brief(brief: Brief, units, person) -> Brief:
    """Sent to the office above (its inbox: the received briefs) and to the units chosen, whose duty
    offices are told; in one transaction with the notices."""
    if brief.state != Brief.State.SIGNED:
        raise ValidationError("要情须经领导签发后才能发送")
    with transaction.atomic():
        brief.state, brief.sent_at = Brief.State.SENT, timezone.now()
        brief.save()
        brief.to_units.set(units)
        link = reverse("brief_detail", args=[brief.pk])
        for unit in brief_recipients(brief):
            notify_people(
                office_people(unit), f"收到{brief.unit.label}{brief}", link=link, unit=unit, group=False
            )
    return brief


def brief_recipients(brief: Brief) -> list:
    found = {u.pk: u for u in brief.to_units.all()}
    if brief.unit.parent_id:
        found.setdefault(brief.unit.parent_id, brief.unit.parent)
    return list(found.values())
