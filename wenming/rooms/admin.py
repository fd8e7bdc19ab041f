"""No admin for rooms and bookings yet: they move only through `rooms.services` (pages and
API). A read-only admin needs its place in core/tests/test_admin.py's classification first."""
