from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("org", "0016_unit_search_text")]

    operations = [
        migrations.AddField(
            model_name="securitypolicy",
            name="wall_display_links",
            field=models.BooleanField(
                default=True,
                help_text="值班室管理员可为本单位无人值守的大屏电脑登记只读链接，免登录、只能打开值班大屏；"
                "关闭后已登记的链接在半分钟内全部失效，也不能再登记",
                verbose_name="允许值班大屏专用链接",
            ),
        ),
    ]
