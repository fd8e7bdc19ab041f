"""`bulk_insert` and the bulk ledger services on the real database: what goes in comes back
through the ORM unchanged, ids are each row's own, and concurrent loads never share an id."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.activities.models import HoursDaily, ServiceRecord
from wenming.activities.services import records_bulk_import
from wenming.core.bulk import bulk_insert, bulk_insert_objects
from wenming.points.models import PointsAccount, PointsEntry
from wenming.points.services import ledger_problems, points_accounts_bulk_open, points_bulk_post
from wenming.testing import race

DAY = datetime.date(2026, 3, 14)


def line(world, volunteer, **fields) -> dict:
    return {"volunteer_id": volunteer.pk, "org_id": world.sta1.pk, "kind": "backfill",
            "title": "社区义诊", "service_date": DAY, "hours": Decimal("2.50"),
            "status": ServiceRecord.Status.PENDING, "decided_at": None, **fields}


@pytest.mark.django_db
def test_rows_come_back_through_the_orm_as_they_went_in(world):
    decided = timezone.make_aware(datetime.datetime(2026, 3, 14, 11, 30))
    before = timezone.now()
    with transaction.atomic():
        ids = bulk_insert(ServiceRecord, [
            line(world, world.vol1),
            line(world, world.vol1b, hours=Decimal("1.25"), decided_at=decided,
                 status=ServiceRecord.Status.APPROVED, title="四点半课堂"),
        ])
    first, second = (ServiceRecord.objects.get(pk=i) for i in ids)
    assert (first.volunteer, first.title, first.hours, first.service_date, first.decided_at) == (
        world.vol1, "社区义诊", Decimal("2.50"), DAY, None)
    assert (second.volunteer, second.title, second.hours, second.decided_at) == (
        world.vol1b, "四点半课堂", Decimal("1.25"), decided)
    # Left out: defaults, and the time of the insert for auto_now_add.
    assert first.content == "" and first.needs_parent_approval is False
    assert before <= first.created_at <= timezone.now()
    # Found by the same lookups as rows the ORM wrote (dates compare as the backend stores them).
    assert set(ServiceRecord.objects.filter(decided_at__gte=decided).values_list(
        "pk", flat=True)) == {second.pk}
    assert ServiceRecord.objects.filter(service_date=DAY).count() == 2


@pytest.mark.django_db
def test_new_ids_follow_the_ones_the_orm_gave(world):
    with transaction.atomic():
        ids = bulk_insert(ServiceRecord, [line(world, world.vol1)] * 3)
    made = ServiceRecord.objects.create(**line(world, world.vol1b))
    assert ids == sorted(ids) and len(set(ids)) == 3 and made.pk > max(ids)
    with transaction.atomic():
        more = bulk_insert(ServiceRecord, [line(world, world.vol2)])
    assert more[0] > made.pk


@pytest.mark.django_db(transaction=True)  # no test-wide transaction around it
def test_outside_a_transaction_it_refuses_and_writes_nothing(world):
    with pytest.raises(RuntimeError):
        bulk_insert(ServiceRecord, [line(world, world.vol1)])
    assert not ServiceRecord.objects.exists()


@pytest.mark.django_db
def test_records_and_points_in_bulk_keep_the_rollup_and_the_balances(world):
    approved = ServiceRecord.Status.APPROVED
    ids = records_bulk_import(rows=[
        line(world, world.vol1, status=approved), line(world, world.vol1b, status=approved),
        line(world, world.vol2, org_id=world.sta2.pk, status=approved),
        line(world, world.vol1)])  # pending: not in the rollup
    day = HoursDaily.objects.get(org=world.sta1, day=DAY)
    assert (day.hours, day.records) == (Decimal("5.00"), 2)
    accounts = points_accounts_bulk_open(volunteer_ids=[world.vol1.pk, world.vol2.pk])
    points_bulk_post(entries=[
        {"account_id": accounts[world.vol1.pk], "amount": 25, "kind": PointsEntry.Kind.HOURS,
         "reason": "服务时长：社区义诊", "source_type": "activities.servicerecord",
         "source_id": ids[0], "created_by_id": None},
        {"account_id": accounts[world.vol2.pk], "amount": 25, "kind": PointsEntry.Kind.HOURS,
         "reason": "服务时长：社区义诊", "source_type": "activities.servicerecord",
         "source_id": ids[2], "created_by_id": None}])
    assert PointsAccount.objects.get(volunteer=world.vol1).balance == 25
    assert ledger_problems() == []


@pytest.mark.django_db
def test_hours_out_of_range_refuse_the_whole_batch(world):
    with pytest.raises(ValueError):
        records_bulk_import(rows=[line(world, world.vol1), line(world, world.vol1, hours=0)])
    assert not ServiceRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_loads_never_share_an_id(world):
    def load(volunteer):
        def call():
            with transaction.atomic():
                return bulk_insert(ServiceRecord, [line(world, volunteer)] * 200)
        return call

    batches = race([load(world.vol1), load(world.vol1b), load(world.vol2)])
    assert len({i for batch in batches for i in batch}) == 600
    assert ServiceRecord.objects.count() == 600
    # Each call's ids are the rows that call wrote: one volunteer's each.
    owners = [set(ServiceRecord.objects.filter(pk__in=batch).values_list("volunteer_id",
                                                                         flat=True))
              for batch in batches]
    assert sorted(o.pop() for o in owners if len(o) == 1) == sorted(
        v.pk for v in (world.vol1, world.vol1b, world.vol2))


@pytest.mark.django_db
def test_a_batch_that_would_overdraw_an_account_writes_nothing(world):
    account = points_accounts_bulk_open(volunteer_ids=[world.vol1.pk])[world.vol1.pk]
    entry = {"account_id": account, "kind": PointsEntry.Kind.ADJUST, "reason": "调整",
             "source_type": "test", "created_by_id": None}
    points_bulk_post(entries=[{**entry, "amount": 10, "source_id": 1}])
    with pytest.raises(IntegrityError), transaction.atomic():
        points_bulk_post(entries=[{**entry, "amount": 5, "source_id": 2},
                                  {**entry, "amount": -20, "source_id": 3}])
    assert PointsAccount.objects.get(pk=account).balance == 10
    assert PointsEntry.objects.filter(account_id=account).count() == 1


@pytest.mark.django_db
def test_instances_get_their_ids_and_json_goes_in_as_json(world):
    from wenming.people.models import User, Volunteer
    from wenming.people.tests.factories import next_id_number

    with transaction.atomic():
        users = bulk_insert_objects([User(username=f"u{i}", real_name="王芳", mobile=f"1390000{i:04d}")
                                     for i in range(3)])
        volunteers = bulk_insert_objects([Volunteer(
            user=u, station=world.sta1, id_number=next_id_number("F"), sex="F",
            birth_date=datetime.date(1960, 1, 2), real_name="王芳", tags=["five_elders"],
            availability=[{"weekday": 5, "start": "09:00", "end": "12:00"}]) for u in users])
    assert all(u.pk and not u._state.adding for u in users)
    stored = Volunteer.objects.get(pk=volunteers[1].pk)
    assert stored.user == users[1] and stored.registered_at == volunteers[1].registered_at
    assert stored.availability == [{"weekday": 5, "start": "09:00", "end": "12:00"}]
    assert Volunteer.objects.filter(tags__icontains='"five_elders"').count() == 3
    assert User.objects.get(pk=users[0].pk).date_joined is not None


@pytest.mark.django_db
def test_a_duplicate_is_the_database_layers_integrity_error_and_nothing_stays(world):
    from wenming.people.models import User

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(User, [{"username": "twice", "real_name": "王芳", "mobile": "13900001111"},
                           {"username": "twice", "real_name": "王芳", "mobile": "13900002222"}])
    assert not User.objects.filter(username="twice").exists()


@pytest.mark.django_db(transaction=True)
def test_a_load_with_a_broken_reference_fails_whole_and_the_keys_stay(world):
    from wenming.core.bulk import foreign_keys_added_after

    def load():
        with transaction.atomic(), foreign_keys_added_after([ServiceRecord]):
            bulk_insert(ServiceRecord, [line(world, world.vol1),
                                        {**line(world, world.vol1), "volunteer_id": 999_999}])

    with pytest.raises(IntegrityError):
        load()
    assert not ServiceRecord.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(ServiceRecord, [{**line(world, world.vol1), "org_id": 999_999}])
    with transaction.atomic(), foreign_keys_added_after([ServiceRecord]):
        bulk_insert(ServiceRecord, [line(world, world.vol1)])
    assert ServiceRecord.objects.count() == 1
