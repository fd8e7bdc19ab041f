"""The redemption machine as data: reserved, then picked up or cancelled, and nothing after."""

from wenming.points.models import REDEMPTION_FLOW, REDEMPTION_MOVES, Redemption

Status = Redemption.Status


def test_the_map_and_its_groups():
    assert REDEMPTION_FLOW.terminal == {Status.PICKED_UP, Status.CANCELLED}
    assert REDEMPTION_FLOW.groups["active"] == REDEMPTION_FLOW.groups["cancellable"] == {
        Status.RESERVED}
    for move, (to, only_from) in REDEMPTION_MOVES.items():
        assert all(REDEMPTION_FLOW.can(s, to) for s in only_from), move
    assert REDEMPTION_FLOW.label(Status.PICKED_UP) == "已领取"
