"""Settings are checked once, at start: a mode that cannot work is one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings

PG = "postgresql://rondvraag@db.lan:5432/rondvraag"
REDIS = "redis://cache.lan:6379/0"


def settings(tmp_path: Path, **options):
    environ = options.pop("environ", {})
    return load_settings(
        "questions/samenwerking.yaml", data_dir=tmp_path, environ=environ, **options
    )


def refusal(tmp_path: Path, **options) -> str:
    with pytest.raises(SettingsError) as refused:
        settings(tmp_path, **options)
    text = str(refused.value)
    assert "\n" not in text  # one sentence, no traceback
    return text


def test_postgresql_without_redis_says_what_to_add(tmp_path: Path) -> None:
    assert "add --redis" in refusal(tmp_path, database_url=PG, public_url="https://p.example")


def test_redis_with_sqlite_says_what_to_add(tmp_path: Path) -> None:
    text = refusal(tmp_path, redis_url=REDIS, public_url="https://p.example")
    assert "add --database postgresql://" in text


def test_a_cluster_needs_a_public_url(tmp_path: Path) -> None:
    assert "--public-url" in refusal(tmp_path, database_url=PG, redis_url=REDIS)


def test_several_workers_need_a_cluster(tmp_path: Path) -> None:
    assert "--workers needs a cluster" in refusal(tmp_path, workers=2)


def test_urls_that_are_not_urls_are_refused(tmp_path: Path) -> None:
    assert "not a database URL" in refusal(tmp_path, database_url="mysql://x")
    assert "not a Redis URL" in refusal(
        tmp_path, database_url=PG, redis_url="memcached://x", public_url="https://p.example"
    )


def test_a_cluster_keeps_no_secrets_in_the_data_folder(tmp_path: Path) -> None:
    cluster = settings(
        tmp_path / "d",
        database_url=PG,
        redis_url=REDIS,
        public_url="https://p.example",
        workers=4,
    )
    assert cluster.cluster and cluster.workers == 4
    assert cluster.admin_token == "" and cluster.secret == b""  # from the database at start
    assert not (tmp_path / "d").exists()
    assert cluster.join_rate == 500  # a plenary behind one address gets in


def test_secrets_from_the_environment_are_checked(tmp_path: Path) -> None:
    env = {"RONDVRAAG_SECRET_KEY": "too-short"}
    assert "at least 32" in refusal(tmp_path, environ=env)
    env = {"RONDVRAAG_DATABASE_URL": PG, "RONDVRAAG_REDIS_URL": REDIS}
    assert "--public-url" in refusal(tmp_path, environ=env)  # the environment counts too


def test_laptop_mode_is_unchanged(tmp_path: Path) -> None:
    laptop = settings(tmp_path / "d")
    assert not laptop.cluster and laptop.workers == 1 and laptop.join_rate == 20
    assert laptop.store_url == f"sqlite:///{tmp_path / 'd' / 'rondvraag.sqlite3'}"
    assert len(laptop.admin_token) >= 16 and len(laptop.secret) >= 32
