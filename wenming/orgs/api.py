from ninja import Query, Router

from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Lat, Lng, Schema

from .models import OrgNode
from .permissions import org_contact, org_get_for_user, visible_orgs
from .selectors import subtree_counts

router = Router(tags=["orgs 阵地"])


class OrgOut(Schema):
    id: int
    kind: str
    point_type: str
    name: str
    code: str
    parent_id: Id | None
    lat: Lat | None
    lng: Lng | None
    address: str
    contact_name: str
    contact_phone: str


class OrgDetailOut(OrgOut):
    counts: dict[str, int]


def org_out(user, node: OrgNode) -> dict:
    contact = org_contact(user, node)
    return {**OrgOut.from_orm(node).dict(), "contact_name": contact.name,
            "contact_phone": contact.phone}


@router.get("/{org_id}", response=OrgDetailOut, summary="一个阵地及其下属统计")
def org_detail(request, org_id: Id):
    node = org_get_for_user(request.user, org_id)
    subtree = list(OrgNode.objects.filter(path__startswith=node.path).only(
        "id", "path", "parent_id", "kind"))
    counts = subtree_counts(node)[node.id]
    by_kind = {k: 0 for k in OrgNode.Kind.values}
    for child in subtree[1:]:
        by_kind[child.kind] += 1
    return {**org_out(request.user, node), "counts": {**counts, **{f"{k}s": n for k, n in by_kind.items()}}}


@router.get("/{org_id}/children", response=dict, summary="直接下级阵地")
def org_children(request, org_id: Id, page: Query[PageQuery]):
    node = org_get_for_user(request.user, org_id)
    children = visible_orgs(request.user).filter(parent=node).order_by("kind", "name", "id")
    return paginate(children, page, lambda n: org_out(request.user, n))
