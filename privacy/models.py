"""What the privacy app keeps of its own: how far the retention job has come."""

from django.db import models


class RetentionMark(models.Model):
    """One row: every archived lead last changed before `done_before` has been anonymised, so the retention job's
    next run starts there instead of walking again past every lead it anonymised (its index keeps them, see
    privacy.retention). Deleting the row makes the next run start from the oldest archived lead."""

    done_before = models.DateTimeField()

    def __str__(self) -> str:
        return f"anonymised before {self.done_before:%Y-%m-%d %H:%M:%S}"
