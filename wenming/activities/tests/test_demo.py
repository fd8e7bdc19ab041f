"""The demo's extras for projects, insurance, time codes and e-cards go through the services
and show each feature."""

import random

import pytest

from wenming.activities.demo import seed_activities_extras
from wenming.activities.models import ECard, InsurancePolicy, Project, TimeCode

pytestmark = pytest.mark.django_db


def test_the_demo_shows_projects_in_every_state_and_an_insured_activity(world):
    users = {"sta1": world.sta1_staff, "inst1": world.inst1_staff, "vol1": world.vol1.user}
    seed_activities_extras(size="small", nodes={}, users=users, rng=random.Random(1))
    assert set(Project.objects.values_list("state", flat=True)) == set(Project.State.values)
    policy = InsurancePolicy.objects.get()
    assert policy.covers(policy.activity)
    assert policy.activity.enrollments.filter(volunteer=world.vol1).exists()
    assert TimeCode.objects.filter(activity=policy.activity).count() == 20
    assert ECard.objects.get(volunteer=world.vol1).print_serial == 1
