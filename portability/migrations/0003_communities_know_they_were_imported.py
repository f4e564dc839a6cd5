from django.db import migrations


def mark_imported(apps, schema_editor):
    """Communities imported before ``Community.imported_at`` existed: only claimants
    found them while they form, as for those imported from now on."""
    Community = apps.get_model("community", "Community")
    ImportedCommunity = apps.get_model("portability", "ImportedCommunity")
    for source in ImportedCommunity.objects.filter(community__imported_at__isnull=True):
        Community.objects.filter(pk=source.community_id).update(imported_at=source.imported_at)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0015_community_moved_and_imported"),
        ("portability", "0002_builds_and_claims"),
    ]

    operations = [migrations.RunPython(mark_imported, migrations.RunPython.noop)]
