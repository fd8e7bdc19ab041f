"""State machines as data: one `Workflow` per entity (orders, wishes, records, redemptions).

An app declares its states (a `TextChoices`), the moves between them and the groups derived
from them once; services call `workflow.check(state, to)` before they write, and pages and the
API read labels, colours, steps and groups from the same object. A move the map does not allow
is a 409 `invalid_transition`, whoever asks.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .errors import Conflict


@dataclass(frozen=True)
class Workflow:
    """`transitions` maps each state to the states it may move to; `""` is "not yet created".
    `colours` names a CSS tone per state (`info`, `ok`, `warn`, `bad`, `muted`); `steps` is the
    happy path a progress bar shows; `groups` names sets of states the code asks about."""

    states: type  # a models.TextChoices
    transitions: Mapping[str, frozenset[str]]
    colours: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[str, ...] = ()
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self):
        known = {s.value for s in self.states} | {""}
        for src, dests in self.transitions.items():
            unknown = ({src} | set(dests)) - known
            if unknown:
                raise ValueError(f"unknown states in {self.states.__name__}: {unknown}")

    @property
    def terminal(self) -> frozenset[str]:
        return frozenset(s for s in self.states.values if not self.transitions.get(s))

    def can(self, state: str, to: str) -> bool:
        return to in self.transitions.get(state, ())

    def check(self, state: str, to: str, *, only_from: Iterable[str] | None = None) -> None:
        """Raise 409 `invalid_transition` unless the map (narrowed to `only_from`) allows it."""
        if self.can(state, to) and (only_from is None or state in set(only_from)):
            return
        raise Conflict(_("当前状态为“%(s)s”，不能执行此操作") % {"s": self.label(state)},
                       code="invalid_transition")

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state else "-"

    def colour(self, state: str) -> str:
        return self.colours.get(state, "muted")

    def in_group(self, state: str, group: str) -> bool:
        return state in self.groups[group]

    def step_index(self, state: str) -> int:
        """Position on the happy path (for a progress bar); -1 when off it."""
        return self.steps.index(state) if state in self.steps else -1
