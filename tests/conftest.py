import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import (
    EmployerFactory,
    InsuredPersonFactory,
    ServiceUserFactory,
)

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis and PostgreSQL (set REDIS_URL, DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "celery_worker" in item.keywords and not (settings.REDIS_URL and ON_POSTGRES):
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache: each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads (ID images, certificates, the demo's documents) go to the test's own folder,
    never to the checkout's var/private; tests that look at stored files ask for the folder."""
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def service_client(db) -> APIClient:
    """A client holding a feed service token (the tax department)."""
    client = APIClient()
    client.force_authenticate(ServiceUserFactory())
    return client


@pytest.fixture
def person(db):
    return InsuredPersonFactory(with_user=True)


@pytest.fixture
def person_client(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person.user)
    return client


@pytest.fixture
def employer(db):
    return EmployerFactory()
