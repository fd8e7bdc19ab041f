"""URL converters of the pages. `<id:pk>` takes a row id (1 .. 2**63-1): a longer number is
a path that names nothing (404), where Django's `<int:pk>` hands it to the database, which
SQLite refuses with an OverflowError (a 500)."""

from .cleaning import ID_MAX


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= ID_MAX:
            raise ValueError("not a row id")  # the resolver tries the next pattern, then 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))
