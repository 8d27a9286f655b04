"""Load the rate tables shipped in src/tact/law/data/ so every deployment has them.

Later table updates ship as their own data migration calling the same loader (it upserts by
series and first day, so re-running it changes nothing).
"""

from django.db import migrations


def load(apps, schema_editor):
    from tact.law.rates import rates_load_bundled

    rates_load_bundled(model=apps.get_model("law", "ReferenceRate"))


class Migration(migrations.Migration):
    dependencies = [("law", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
