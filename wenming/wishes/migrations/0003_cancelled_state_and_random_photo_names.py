"""A wish can be withdrawn (cancelled); its photos get names nobody can guess."""

import secrets

from django.db import migrations, models, transaction

import wenming.wishes.models


def rename_to_random(apps, schema_editor):
    """Give every stored wish photo a random name (was wishes/wish-<id>.jpg: names counted
    through). Each row points at its new copy in the same transaction; the old file goes only
    after the commit, so a failed migration leaves every row with a file."""
    model = apps.get_model("wishes", "Wish")
    storage = model._meta.get_field("photo").storage
    for pk, old in model.objects.exclude(photo="").values_list("pk", "photo").iterator():
        ext = old.rsplit(".", 1)[-1].lower()
        if ext not in ("jpg", "png") or not storage.exists(old):
            continue  # nothing to move; the view serves no other type anyway
        with storage.open(old, "rb") as f:
            new = storage.save(f"wishes/{secrets.token_urlsafe(16)}.{ext}", f)
        model.objects.filter(pk=pk).update(photo=new)
        transaction.on_commit(lambda old=old: storage.delete(old))


class Migration(migrations.Migration):

    dependencies = [
        ('wishes', '0002_integrity_checks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='wish',
            name='photo',
            field=models.FileField(blank=True, upload_to=wenming.wishes.models.photo_path, verbose_name='照片'),
        ),
        migrations.AlterField(
            model_name='wish',
            name='state',
            field=models.CharField(choices=[('posted', '待审核'), ('approved', '待认领'), ('rejected', '未通过'), ('claimed', '已认领'), ('fulfilled', '待确认'), ('confirmed', '已实现'), ('expired', '已过期'), ('cancelled', '已撤回')], default='posted', max_length=16, verbose_name='状态'),
        ),
        # Back: the random names stay; nothing depends on the old ones.
        migrations.RunPython(rename_to_random, migrations.RunPython.noop),
    ]
