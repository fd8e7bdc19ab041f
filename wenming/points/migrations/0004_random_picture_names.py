"""Goods pictures get names nobody can guess."""

import secrets

from django.db import migrations, models, transaction

import wenming.points.models


def rename_to_random(apps, schema_editor):
    """Give every stored goods picture a random name (was goods-<12 hex digits>: 48 random
    bits). Each row points at its new copy in the same transaction; the old file goes only
    after the commit, so a failed migration leaves every row with a file."""
    model = apps.get_model("points", "Goods")
    storage = model._meta.get_field("picture").storage
    for pk, old in model.objects.exclude(picture="").values_list("pk", "picture").iterator():
        ext = old.rsplit(".", 1)[-1].lower()
        if ext not in ("jpg", "png") or not storage.exists(old):
            continue  # nothing to move; the view serves no other type anyway
        with storage.open(old, "rb") as f:
            new = storage.save(f"goods/{secrets.token_urlsafe(16)}.{ext}", f)
        model.objects.filter(pk=pk).update(picture=new)
        transaction.on_commit(lambda old=old: storage.delete(old))


class Migration(migrations.Migration):

    dependencies = [
        ('points', '0003_ledger_fewer_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='goods',
            name='picture',
            field=models.FileField(blank=True, upload_to=wenming.points.models.picture_path, verbose_name='图片'),
        ),
        # Back: the random names stay; nothing depends on the old ones.
        migrations.RunPython(rename_to_random, migrations.RunPython.noop),
    ]
