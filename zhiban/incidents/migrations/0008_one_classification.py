# Events take the one Classification (zhiban.lib.classification) that documents have: an event without a
# mark was stored as "" and is now "public" (公开), so every record says its classification the same way.

from django.db import migrations, models


def blank_is_public(apps, schema_editor):
    apps.get_model("incidents", "Event").objects.filter(classification="").update(classification="public")


def public_is_blank(apps, schema_editor):
    apps.get_model("incidents", "Event").objects.filter(classification="public").update(classification="")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_event_step_acting_unit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="classification",
            field=models.CharField(
                choices=[("public", "公开"), ("internal", "内部"), ("secret", "秘密"), ("confidential", "机密")],
                default="public",
                max_length=15,
                verbose_name="密级",
            ),
        ),
        migrations.RunPython(blank_is_public, public_is_blank),
    ]
