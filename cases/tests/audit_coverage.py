"""Audit coverage registrations of the cases app (see supportdesk/audit/tests/coverage.py)."""

from cases.tests import audit_coverage_api, audit_coverage_pages  # noqa: F401 - they register
