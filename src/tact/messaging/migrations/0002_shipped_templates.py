"""Load the shipped message templates (tact.messaging.defaults)."""

from django.db import migrations


def load(apps, schema_editor):
    from tact.messaging.defaults import shipped_sync

    shipped_sync(model=apps.get_model("messaging", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
