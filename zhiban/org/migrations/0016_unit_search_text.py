from django.db import migrations, models


def fill(apps, schema_editor):
    from zhiban.org.models import Unit as Current

    Unit = apps.get_model("org", "Unit")
    for unit in Unit.objects.all().only("pk", "name", "short_name", "duty_office_name"):
        text = Current.search_text_for(unit.name, unit.short_name, unit.duty_office_name)
        Unit.objects.filter(pk=unit.pk).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [("org", "0015_roster_limits")]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
