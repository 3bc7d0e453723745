"""Each event's phone and written deadlines move from its own columns to Deadline rows (one event may now
owe several: an upgrade starts new ones, follow-ups are scheduled); its lapses point at the row."""

from django.db import migrations

LABELS = {"phone": "电话报告", "written": "书面报告"}


def forwards(apps, schema_editor):
    Event = apps.get_model("incidents", "Event")
    Deadline = apps.get_model("incidents", "Deadline")
    Lapse = apps.get_model("incidents", "Lapse")
    EventStep = apps.get_model("incidents", "EventStep")
    for event in Event.objects.all().iterator():
        done_steps = set(EventStep.objects.filter(event=event).values_list("kind", "text"))
        for what in ("phone", "written"):
            due = getattr(event, f"{what}_due_at")
            met = getattr(event, f"{what}_reported_at")
            lapses = Lapse.objects.filter(event=event, what=what)
            late = lapses.filter(kind="late").first()
            missed = lapses.filter(kind="missed").exists()
            label = LABELS[what]
            deadline = Deadline.objects.create(
                event=event,
                kind=what,
                reason="登记",
                starts_at=event.known_at,
                due_at=due,
                met_at=met,
                late_minutes=late.minutes if late else 0,
                warned=any(k == "warning" and t.startswith(label) for k, t in done_steps),
                alarmed=any(k == "alarm" and t.startswith(label) for k, t in done_steps),
                missed=missed and met is None,
                next_check_at=event.next_check_at if met is None and event.state == "open" else None,
            )
            lapses.update(deadline=deadline)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_reporting_rules_deadlines_sign_off")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
