"""Knowledge tags: one per course area of the national syllabus, and finer topics under them.

Rows an admin may edit; this only creates what is missing.
"""

from django.db import migrations

# (code, name, English name, course area code, parent code)
TAGS = [
    ("general", "公共知识", "General knowledge", "general", None),
    ("policy", "政策法规", "Policy and law", "policy", None),
    ("practice", "实务技能", "Practical skills", "practice", None),
    ("advanced", "能力提升", "Advanced ability", "advanced", None),
    ("tech-transfer-basics", "技术转移基础", "Technology transfer basics", "general", "general"),
    ("ip", "知识产权", "Intellectual property", "general", "general"),
    ("policy-law", "政策法规解读", "Policies and regulations", "policy", "policy"),
    ("tech-contract", "技术合同", "Technology contracts", "policy", "policy"),
    ("tech-assessment", "技术评估", "Technology assessment", "practice", "practice"),
    ("negotiation", "商务谈判", "Business negotiation", "practice", "practice"),
    ("tech-finance", "科技金融", "Technology finance", "advanced", "advanced"),
    ("incubation", "孵化与创业", "Incubation and start-ups", "advanced", "advanced"),
]


def seed(apps, schema_editor):
    Tag = apps.get_model("exams", "Tag")
    CourseArea = apps.get_model("courses", "CourseArea")
    areas = {a.code: a for a in CourseArea.objects.all()}
    created = {}
    for code, name, name_en, area_code, parent_code in TAGS:
        tag, _ = Tag.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "area": areas.get(area_code),
                "parent": created.get(parent_code) if parent_code else None,
            },
        )
        created[code] = tag


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0001_initial"),
        ("courses", "0002_seed_course_areas"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
