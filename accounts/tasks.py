from celery import shared_task
from django.db import connection

from .models import Region


@shared_task(name="accounts.worker_healthcheck")
def worker_healthcheck() -> dict:
    """Proves a worker reaches the broker and the database: answers what it sees there."""
    return {"database": connection.vendor, "regions": Region.objects.count()}
