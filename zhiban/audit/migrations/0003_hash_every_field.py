# Every stored field goes into an entry's hash (ip and object_repr were outside it), and the head keeps
# how many entries the chain has, so deleting the newest entries, or all, shows. Entries written before
# keep their hash: they are marked hash_version 1 and verified as they were written.

from django.db import migrations, models


def count_the_chain(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry").objects.count()
    apps.get_model("audit", "AuditHead").objects.filter(pk=1).update(count=entries)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="audithead",
            name="count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(count_the_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "新增"),
                    ("update", "修改"),
                    ("delete", "删除"),
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("logout", "退出"),
                    ("read", "查阅"),
                    ("refused", "拒绝访问"),
                ],
                max_length=20,
                verbose_name="操作",
            ),
        ),
    ]
