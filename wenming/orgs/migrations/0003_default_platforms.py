from django.db import migrations

PLATFORMS = [
    ("theory", "理论宣讲平台", 1),
    ("education", "教育服务平台", 2),
    ("culture", "文化服务平台", 3),
    ("science", "科技与科普服务平台", 4),
    ("health", "健康促进与体育服务平台", 5),
]


def create_platforms(apps, schema_editor):
    Platform = apps.get_model("orgs", "Platform")
    for code, name, order in PLATFORMS:
        Platform.objects.get_or_create(code=code, defaults={"name": name, "order": order})


def remove_platforms(apps, schema_editor):
    apps.get_model("orgs", "Platform").objects.filter(code__in=[p[0] for p in PLATFORMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_grid_managers_and_roles")]
    operations = [migrations.RunPython(create_platforms, remove_platforms)]
