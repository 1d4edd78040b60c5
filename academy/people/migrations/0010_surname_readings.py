from django.db import migrations
from django.db.models import Q


def refresh_surname_pinyin(apps, schema_editor):
    """The stored pinyin of every account whose name starts with a surname of
    ``SURNAME_READINGS``, computed again (it was read character by character), in batches."""
    from academy.people.names import SURNAME_READINGS, name_pinyin

    User = apps.get_model("people", "User")
    starts = Q()
    for surname in SURNAME_READINGS:
        starts |= Q(full_name__startswith=surname)
    batch = []
    users = User.objects.filter(starts).only("pk", "full_name", "name_pinyin", "name_initials")
    for user in users.iterator(chunk_size=2000):
        fresh = name_pinyin(user.full_name)
        if fresh == (user.name_pinyin, user.name_initials):
            continue
        user.name_pinyin, user.name_initials = fresh
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0009_brokerprofile_pinyin_order"),
    ]

    operations = [
        migrations.RunPython(refresh_surname_pinyin, migrations.RunPython.noop, elidable=True),
    ]
