"""Settings for a developer's machine: SQLite and the file-system broker unless the environment says otherwise."""
from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
