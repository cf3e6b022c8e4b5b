"""Shared test fixtures. The test environment itself is set in `supportdesk/test_environment.py`
(loaded before Django's settings; put new test environment variables there, not here)."""

# Personas and login helpers shared by every app's tests.
pytest_plugins = ["supportdesk.testing"]
