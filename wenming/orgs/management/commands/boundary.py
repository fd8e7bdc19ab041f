import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from wenming.orgs.boundaries import SHIPPED, boundary_set
from wenming.orgs.models import OrgNode


class Command(BaseCommand):
    help = ("Keep a node's outline (区域边界) from a GeoJSON file, drawn on every map of its "
            "subtree. Without FILE, Beijing's districts shipped with the app.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(SHIPPED),
                            help="GeoJSON: a FeatureCollection, a Feature or a (Multi)Polygon")
        parser.add_argument("--node", type=int,
                            help="the node's id (default: the tree's root, the district)")
        parser.add_argument("--feature", default="",
                            help="the region's name or code in the file (default: the node's "
                                 "region code or name)")

    def handle(self, *args, file, node, feature, **options):
        target = (OrgNode.objects.filter(pk=node) if node
                  else OrgNode.objects.filter(parent=None).order_by("pk")).first()
        if target is None:
            raise CommandError("no such node" if node else "the tree is empty")
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
            kept = boundary_set(by=None, node=target, data=data, feature=feature,
                                source=Path(file).name)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{target.name}: outline {kept.name} kept")
