"""Reads of call-ups: shifts with their coverage, and what the API and the pages show."""

from django.db.models import Count, Q
from django.utils import timezone

from .models import Callup, Shift, Signup
from .permissions import CallupCaps, allowed_moves, callup_caps


def shifts_with_coverage(callup: Callup) -> list[Shift]:
    """Each shift with `signed` (active sign-ups) and `percent` of its quota."""
    shifts = list(callup.shifts.annotate(
        signed=Count("signups", filter=Q(signups__withdrawn_at__isnull=True))).order_by(
        "start", "id"))
    for s in shifts:
        s.percent = min(100, round(100 * s.signed / s.quota)) if s.quota else 100
        s.full = s.signed >= s.quota
        s.over = s.end <= timezone.now()
    return shifts


def my_shift_ids(user, callup: Callup) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Signup.objects.filter(shift__callup=callup, volunteer__user=user,
                                     withdrawn_at__isnull=True).values_list("shift_id", flat=True))


def shift_moves(caps: CallupCaps, shift: Shift, mine: set[int]) -> list[str]:
    """What the caller may do on a shift now (a shift from `shifts_with_coverage`): sign up
    while it has room and has not ended, withdraw before it starts."""
    if shift.id in mine:
        return ["withdraw"] if shift.start > timezone.now() else []
    return ["signup"] if caps.can_sign_up and not shift.full and not shift.over else []


def callup_summary(user, callup: Callup, caps: CallupCaps | None = None) -> dict:
    """A call-up in a list: no shifts (one query per call-up), its moves."""
    caps = caps or callup_caps(user, callup)
    return {"id": callup.id, "title": callup.title, "text": callup.text, "place": callup.place,
            "org_id": callup.org_id, "org_name": callup.org.name, "skills": callup.skills,
            "radius_km": callup.radius_km, "state": callup.state, "reached": callup.reached,
            "created_at": timezone.localtime(callup.created_at).isoformat(),
            "allowed_moves": allowed_moves(user, callup, caps)}


def callup_view(user, callup: Callup, caps: CallupCaps | None = None) -> dict:
    """One call-up: its shifts with coverage and the caller's moves on each; who signed up
    for the organiser."""
    caps = caps or callup_caps(user, callup)
    mine = my_shift_ids(user, callup)
    out = {**callup_summary(user, callup, caps),
           "shifts": [{"id": s.id, "start": timezone.localtime(s.start).isoformat(),
                       "end": timezone.localtime(s.end).isoformat(), "quota": s.quota,
                       "signed": s.signed, "mine": s.id in mine,
                       "moves": shift_moves(caps, s, mine)}
                      for s in shifts_with_coverage(callup)]}
    if caps.manages:
        out["signups"] = [{"shift_id": s.shift_id, "volunteer_id": s.volunteer_id,
                           "name": s.volunteer.real_name}
                          for s in Signup.objects.filter(
                              shift__callup=callup, withdrawn_at__isnull=True).select_related(
                              "volunteer").order_by("shift__start", "created_at")]
    return out
