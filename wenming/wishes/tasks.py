from django_tasks import task

from .services import wish_expire


@task()
def expire_wish(wish_id: int) -> bool:
    """Runs the day after a wish's date; expires it if nobody claimed it."""
    return wish_expire(wish_id=wish_id)
