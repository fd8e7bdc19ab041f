"""Reads of the 议事厅: what the public board and a topic's card may show, the vote count,
the history. Who sees which topic is `permissions`."""

from django.db.models import Avg, Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from wenming.core.masking import mask_name, mask_numbers_in_text
from wenming.orgs.models import OrgNode

from .models import WORKFLOW, Stage, TaskState, Topic, TopicTask
from .permissions import public_topics

BOARD_STAGES = (Stage.ENDORSING, Stage.SCHEDULED, Stage.DECIDED, Stage.EXECUTING,
                Stage.EVALUATING, Stage.CLOSED)


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def public_view(topic: Topic) -> dict:
    """What anyone may read: never who raised it beyond 张**, the words with any mobile or
    ID number masked; the stage, the counts, the meeting and its decision."""
    return {"id": topic.id, "title": mask_numbers_in_text(topic.title),
            "text": mask_numbers_in_text(topic.text), "category": topic.category,
            "category_label": topic.get_category_display(), "place": topic.place,
            "lat": topic.lat, "lng": topic.lng, "stage": topic.stage,
            "stage_label": WORKFLOW.label(topic.stage),
            "tone": WORKFLOW.colour(topic.stage), "org_id": topic.station_id,
            "station_name": topic.station.name,
            "resident": mask_name(topic.resident.user.real_name),
            "endorsements": topic.endorsements, "threshold": topic.threshold,
            "endorse_until": _iso(topic.endorse_until), "on_agenda": topic.on_agenda_at is not None,
            "meeting_at": _iso(topic.meeting_at), "meeting_place": topic.meeting_place,
            "host": topic.host, "offline_count": topic.offline_count,
            "minutes": mask_numbers_in_text(topic.minutes),
            "decision": mask_numbers_in_text(topic.decision),
            "decision_reasons": mask_numbers_in_text(topic.decision_reasons),
            "rate_until": _iso(topic.rate_until), "merged_into_id": topic.merged_into_id,
            "created_at": _iso(topic.created_at)}


def has_numbers(topic: Topic) -> bool:
    """Whether the board would mask something in the topic's words: the moderator's warning."""
    return any(mask_numbers_in_text(t) != t for t in (topic.title, topic.text))


def private_view(topic: Topic) -> dict:
    return {"title": topic.title, "text": topic.text,
            "resident_name": topic.resident.user.real_name, "has_numbers": has_numbers(topic)}


def options_with_votes(topic: Topic) -> list[dict]:
    """Each option with its online votes, offline hands and total."""
    rows = topic.options.annotate(online=Count("votes"))
    return [{"id": o.id, "label": o.label, "online": o.online, "offline": o.offline_votes,
             "total": o.online + o.offline_votes} for o in rows]


def rating_summary(topic: Topic) -> dict:
    agg = topic.ratings.aggregate(avg=Avg("score"), n=Count("id"))
    return {"average": round(agg["avg"], 1) if agg["avg"] else None, "count": agg["n"]}


def history(topic: Topic) -> list[dict]:
    """Every move: who (by role, not by name, on public pages), when, from, to, why."""
    return [{"from": e.from_stage, "to": e.to_stage, "to_label": WORKFLOW.label(e.to_stage),
             "by": mask_name(e.by.real_name) if e.by else "", "at": timezone.localtime(e.at),
             "reason": mask_numbers_in_text(e.reason)}
            for e in topic.events.select_related("by")]


def task_view(task: TopicTask) -> dict:
    owner = (task.team.name if task.team_id else task.unit.name if task.unit_id else
             mask_name(task.owner.real_name) if task.owner_id else "")
    return {"id": task.id, "title": task.title, "due": task.due, "state": task.state,
            "owner": owner, "owner_id": task.owner_id, "team_id": task.team_id,
            "unit_id": task.unit_id,
            "overdue": task.state == TaskState.OPEN and task.due < timezone.localdate(),
            "escalations": task.escalations,
            "escalated_to": task.escalated_to.name if task.escalated_to_id else None,
            "updates": [{"kind": u.kind, "note": mask_numbers_in_text(u.note),
                         "at": timezone.localtime(u.at),
                         "photo": photo_url(task.topic_id, u.photo) if u.photo else None}
                        for u in task.updates.all()]}


def tasks_of(topic: Topic) -> list[dict]:
    tasks = topic.tasks.select_related("owner", "team", "unit", "escalated_to").prefetch_related(
        "updates")
    return [task_view(t) for t in tasks]


def photo_url(topic_id: int, stored) -> str:
    return reverse("topic_photo", args=[topic_id, stored.name.rsplit("/", 1)[-1]])


def stage_counts(station: OrgNode) -> dict[str, int]:
    """The board's tabs: how many public topics in each stage (one grouped query)."""
    rows = public_topics(station).values_list("stage").annotate(n=Count("id"))
    counts = dict.fromkeys(BOARD_STAGES, 0)
    counts.update(dict(rows))
    return counts


def board(station: OrgNode, stage: str) -> QuerySet[Topic]:
    """One stage of the node's board, most recently moved first (the `topic_board` index)."""
    return public_topics(station).filter(stage=stage).select_related(
        "station", "resident__user").order_by("-updated_at", "-id")
