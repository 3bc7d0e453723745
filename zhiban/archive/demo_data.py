"""The archive in the demo city, as a city keeps it:

- clearance for 秘密 granted by the security administrator to the city's duty office (周建国, 单晓东,
  曾志强) and 东湖县's (何丽娟, 林海燕); 西山县's officer has none;
- a 秘密 notice received by the city's duty office yesterday, and a 秘密 call from the public security
  bureau about it, taken on as a matter: only those cleared open them (the page carries their name as a
  watermark); the others see them in the lists, the duty log and 一口清 by their mark;
- the city's day volumes of the last week sealed; one call of three days ago corrected after its
  volume was sealed, so that volume shows the break; yesterday's compiled and waiting to be sealed; last
  month's volume sealed;
- the city's 值班要情 of the last two days signed off by 曾志强 and sent to the province's office,
  东湖县's of yesterday received, last month's summary drafted.
Every record is in the information base (the search box in the top bar). The backups are the job runner's: it takes the missed nightly backup as soon as `make run` starts it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.archive import search, services
from zhiban.archive.models import Brief
from zhiban.intake import services as intake
from zhiban.intake.models import Call, Document
from zhiban.lib.classification import Classification
from zhiban.org.models import Person, Unit


def build(units: dict[str, Unit], now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    city = units["city"]
    cleared = Person.objects.filter(
        user__username__in=["admin", "city_officer", "city_leader", "donghu_admin", "donghu_officer"]
    )
    cleared.update(clearance=Classification.SECRET, clearance_granted_by="secadmin", clearance_granted_at=now)
    admin = Person.objects.get(user__username="admin")
    officer = Person.objects.get(user__username="city_officer")
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    Document.objects.create(
        unit=city,
        kind=Document.Kind.FAX,
        sender="省政府办公厅",
        number="省办传〔2026〕118号",
        title="关于做好岁末年初重要目标安全保卫工作的通知",
        classification=Classification.SECRET,
        urgency=Document.Urgency.URGENT,
        pages=3,
        received_at=timezone.make_aware(dt.datetime.combine(yesterday, dt.time(15, 20))),
        handler=officer,
    )
    call = Call.objects.create(
        unit=city,
        at=timezone.make_aware(dt.datetime.combine(yesterday, dt.time(15, 40))),
        number="0558-2110110",
        name="郑卫东",
        organisation="示范市公安局",
        position="指挥中心值班长",
        content="岁末年初重要目标安保部署调整，明日起增派警力驻守市政府大院，具体方案另行密送。",
        important=True,
        classification=Classification.SECRET,
        taken_by=officer,
    )
    intake.matter_from(call, officer)
    sealed = 0
    for back in range(7, 1, -1):
        volume = services.compile_volume(city, "day", yesterday - dt.timedelta(days=back - 1), admin)
        services.seal(volume, admin)
        sealed += 1
    corrected = (
        Call.objects.filter(unit=city, at__date=yesterday - dt.timedelta(days=2)).order_by("at").first()
    )
    if corrected is not None:  # a correction after sealing: the volume names it as a break
        Call.objects.filter(pk=corrected.pk).update(
            content=(corrected.content + "（事后补记：已回访）")[:5000]
        )
    services.compile_volume(city, "day", yesterday, officer)
    last_month = (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.seal(services.compile_volume(city, "month", last_month, admin), admin)
    leader = Person.objects.get(user__username="city_leader")
    for back in (2, 1):  # the city's briefs of the last two days: checked, signed off, sent up
        brief = services.draft_brief(city, Brief.Kind.DAILY, yesterday - dt.timedelta(days=back - 1), now)
        if brief is not None:
            services.check_brief(brief, admin)
            services.sign_brief(brief, leader)
            services.send_brief(brief, [], admin)
    donghu = units["donghu"]
    county = services.draft_brief(donghu, Brief.Kind.DAILY, yesterday, now)
    county_leader = Person.objects.filter(roles__unit=donghu, roles__role="leader").first()
    if county is not None and county_leader is not None:  # received by the city
        services.check_brief(county, Person.objects.get(user__username="donghu_admin"))
        services.sign_brief(county, county_leader)
        services.send_brief(county, [], county_leader)
    services.draft_brief(city, Brief.Kind.MONTHLY, last_month, now)
    indexed = search.rebuild()  # the demo's bulk-made records sent no signals
    return (
        f"demo archive: {cleared.count()} people cleared for 秘密, {sealed + 1} sealed volumes, a classified fax "
        "and call, "
        f"{indexed} records in the information base"
    )


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    return build(demo["units"])
