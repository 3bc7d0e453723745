import django.db.models.deletion
from django.db import migrations, models


def split_replies(apps, schema_editor):
    """The one reply field held the last reply; with no written reply yet, it was the phone one."""
    VerificationRequest = apps.get_model("incidents", "VerificationRequest")
    for request in VerificationRequest.objects.filter(written_replied_at=None).exclude(written_reply=""):
        request.phone_reply, request.written_reply = request.written_reply, ""
        request.save(update_fields=["phone_reply", "written_reply"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_report_recorded_at"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="verificationrequest", old_name="reply", new_name="written_reply"),
        migrations.AlterField(
            model_name="verificationrequest",
            name="written_reply",
            field=models.TextField(blank=True, verbose_name="书面反馈内容"),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="phone_reply",
            field=models.TextField(blank=True, verbose_name="电话反馈内容"),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="phone_replied_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.person",
            ),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="written_replied_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.person",
            ),
        ),
        migrations.RunPython(split_replies, migrations.RunPython.noop),
    ]
