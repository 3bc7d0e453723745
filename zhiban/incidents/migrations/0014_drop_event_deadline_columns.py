from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("incidents", "0013_deadlines_from_event_columns")]

    operations = [
        migrations.RemoveConstraint(
            model_name='lapse',
            name='lapse_once_per_event',
        ),
        migrations.RemoveField(
            model_name='event',
            name='next_check_at',
        ),
        migrations.RemoveField(
            model_name='event',
            name='phone_due_at',
        ),
        migrations.RemoveField(
            model_name='event',
            name='phone_reported_at',
        ),
        migrations.RemoveField(
            model_name='event',
            name='written_due_at',
        ),
        migrations.RemoveField(
            model_name='event',
            name='written_reported_at',
        ),
    ]
