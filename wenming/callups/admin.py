"""No admin for call-ups yet: they are published and moved through `callups.services`. A
read-only admin needs its place in core/tests/test_admin.py's classification first."""
