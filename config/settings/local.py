"""Developer machine: `make run`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Serve static files straight from the source folders, also with DEBUG off (API fuzzing).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
