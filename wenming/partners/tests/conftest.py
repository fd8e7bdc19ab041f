from wenming.partners.tests.support import grid, other_unit, unit  # noqa: F401
