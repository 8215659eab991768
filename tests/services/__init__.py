"""Real services for tests (PostgreSQL, Samba, SMTP), started and stopped by the tests.

Nothing here needs to be running beforehand: each helper installs what is missing through
``scripts/install-services.sh`` and starts a private instance on loopback in a temp dir.
"""
