"""GET /health reports whether the database answers."""

from app import create_app
from tests.conftest import SuiteConfig


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_unreachable():
    class DownConfig(SuiteConfig):
        # Nothing listens on port 9 of this host: the connection is refused at once.
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:9/none"
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"connect_timeout": 2}}

    response = create_app(DownConfig).test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
