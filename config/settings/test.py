"""Test suite: SQLite by default, PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests call tasks in-process; the worker test switches to the real broker itself.
CELERY_TASK_ALWAYS_EAGER = True
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Staff reach the admin without a second factor here; tests of the second factor switch it on.
ADMIN_REQUIRE_OTP = False
