from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter of a rate limit (core.ratelimit): how many hits since the window began."""

    key = models.CharField(max_length=120, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M}"
