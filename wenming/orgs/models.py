"""The org tree (实践中心 → 实践所 → 实践站 → 实践点), service platforms, grids, scoped roles."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrgNode(models.Model):
    """One node of a district's tree.

    `path` is a materialized path of ids ("/1/4/27/"), so a whole subtree is one indexed
    prefix query (`path__startswith`) whatever the depth.
    """

    class Kind(models.TextChoices):
        CENTER = "center", _("实践中心")
        INSTITUTE = "institute", _("实践所")
        STATION = "station", _("实践站")
        POINT = "point", _("实践点")

    class PointType(models.TextChoices):
        BASE = "base", _("基地")
        POST = "post", _("驿站")
        VENUE = "venue", pgettext_lazy("point type", "阵地")

    # Which kinds may sit directly under which: points hang under any non-point node.
    ALLOWED_PARENTS = {
        Kind.CENTER: set(),
        Kind.INSTITUTE: {Kind.CENTER},
        Kind.STATION: {Kind.INSTITUTE},
        Kind.POINT: {Kind.CENTER, Kind.INSTITUTE, Kind.STATION},
    }

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    point_type = models.CharField(_("实践点类型"), max_length=16, choices=PointType.choices, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("行政区划代码"), max_length=20, blank=True, db_index=True)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    requires_volunteer_approval = models.BooleanField(
        _("志愿者注册需审核"), default=False,
        help_text=_("开启后，在本站注册的志愿者须经管理员审核后才能参与服务"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("阵地")
        verbose_name_plural = _("阵地")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' under any
            # collation; other databases ignore the opclass and build a plain index.
            models.Index(fields=["path"], name="orgnode_path_prefix",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="orgnode_kind_path"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/")[:-1]]

    def contains(self, other: "OrgNode") -> bool:
        return other.path.startswith(self.path)


class Platform(models.Model):
    """五大服务平台 by default; admins may add more ("1+8+N")."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务平台")
        verbose_name_plural = _("服务平台")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """网格: a polygon inside a station, looked after by grid managers (网格员)."""

    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.CASCADE,
                                related_name="grids", limit_choices_to={"kind": "station"})
    name = models.CharField(_("名称"), max_length=100)
    # [[lat, lng], ...] in WGS-84; the bounding box below narrows lookups before shapely.
    polygon = models.JSONField(_("边界"))
    min_lat = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    min_lng = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("网格员"),
                                      blank=True, related_name="managed_grids")

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lng", "max_lng"],
                                name="grid_bbox")]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role at a node; staff see that node's subtree, nothing more."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("平台管理员")
        STAFF = "staff", _("阵地管理员")
        TEAM_LEADER = "team_leader", _("队长")
        VOLUNTEER = "volunteer", pgettext_lazy("role", "志愿者")
        RESIDENT = "resident", pgettext_lazy("role", "群众")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="role_assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="unique_role_at_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org or '-'}"


class Boundary(models.Model):
    """区域边界: the outline every map of the node's subtree draws (usually the district's,
    on the tree's root). Kept apart from OrgNode so that tree queries never carry a polygon."""

    node = models.OneToOneField(OrgNode, verbose_name=_("阵地"), on_delete=models.CASCADE,
                                primary_key=True, related_name="boundary")
    name = models.CharField(_("区域名称"), max_length=100)
    # A GeoJSON Polygon or MultiPolygon, [lng, lat] in WGS-84, checked by orgs.boundaries.
    geometry = models.JSONField(_("边界"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("区域边界")
        verbose_name_plural = _("区域边界")

    def __str__(self) -> str:
        return self.name
