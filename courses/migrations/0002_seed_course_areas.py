"""The four course areas of the national syllabus (《国家技术转移专业人员能力等级培训大纲（试行）》).

Rows an admin may edit; this only creates what is missing.
"""

from django.db import migrations

AREAS = [
    ("general", "公共知识", "General knowledge", 1),
    ("policy", "政策法规", "Policy and law", 2),
    ("practice", "实务技能", "Practical skills", 3),
    ("advanced", "能力提升", "Advanced ability", 4),
]


def seed(apps, schema_editor):
    CourseArea = apps.get_model("courses", "CourseArea")
    for code, name, name_en, order in AREAS:
        CourseArea.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
