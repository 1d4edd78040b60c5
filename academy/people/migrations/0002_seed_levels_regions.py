"""The three levels of the national framework and Sanmenxia's counties and districts.

Both are rows an admin may edit; this only creates what is missing.
"""

from django.db import migrations

LEVELS = [
    ("junior", "初级技术经纪人", "Junior technology broker", 1),
    ("intermediate", "中级技术经纪人", "Intermediate technology broker", 2),
    ("senior", "高级技术经理人", "Senior technology manager", 3),
]

# Administrative division codes (GB/T 2260) where they exist; the high-tech zone and the
# city-level bodies have none, so they carry the city's code with a suffix.
REGIONS = [
    ("411200", "三门峡市市直", "Sanmenxia (city level)", 0),
    ("411202", "湖滨区", "Hubin District", 1),
    ("411203", "陕州区", "Shanzhou District", 2),
    ("411221", "渑池县", "Mianchi County", 3),
    ("411224", "卢氏县", "Lushi County", 4),
    ("411281", "义马市", "Yima City", 5),
    ("411282", "灵宝市", "Lingbao City", 6),
    ("411200-HTZ", "三门峡高新区", "Sanmenxia High-tech Zone", 7),
]


def seed(apps, schema_editor):
    Level = apps.get_model("people", "Level")
    Region = apps.get_model("people", "Region")
    for code, name, name_en, rank in LEVELS:
        Level.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "rank": rank}
        )
    for code, name, name_en, order in REGIONS:
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
