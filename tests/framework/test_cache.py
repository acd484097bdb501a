"""Validated frameworks are kept between runs, and never trusted beyond what they were made from."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from ccgrate._base.errors import FrameworkError
from ccgrate._framework import cache as fwcache
from ccgrate._framework.loader import parse_framework


@pytest.fixture
def cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("CCGRATE_CACHE_DIR", str(directory))
    monkeypatch.delenv("CCGRATE_NO_CACHE", raising=False)
    return directory


def raw_framework() -> bytes:
    from ccgrate._framework.loader import builtins

    return Path(builtins()[0].path).read_bytes()


def test_a_framework_validated_once_is_read_from_the_cache(cache, monkeypatch):
    raw = raw_framework()
    first = parse_framework(raw, name="a.toml")
    assert len(list(cache.glob("*.pickle"))) == 1
    monkeypatch.setattr("ccgrate._framework.checks.cross_check", lambda fw: pytest.fail("validated again"))
    second = parse_framework(raw, name="b.toml", origin="builtin:x")
    assert second.model_dump() == first.model_dump()
    assert (second.origin, second.sha256) == ("builtin:x", first.sha256)
    assert first.origin == "a.toml"


def test_one_changed_byte_is_validated_completely(cache):
    raw = raw_framework()
    parse_framework(raw, name="a.toml")
    broken = raw.replace(b'id = "', b'id = "=', 1)
    with pytest.raises(FrameworkError) as caught:
        parse_framework(broken, name="b.toml")
    assert "b.toml" in str(caught.value)
    assert len(list(cache.glob("*.pickle"))) == 1  # an invalid file is never kept


def test_an_entry_others_could_write_is_never_read(cache, monkeypatch):
    raw = raw_framework()
    parse_framework(raw, name="a.toml")
    os.chmod(cache, 0o777)
    assert fwcache.load(raw) is None
    os.chmod(cache, 0o700)
    entry = next(cache.glob("*.pickle"))
    os.chmod(entry, 0o666)
    assert fwcache.load(raw) is None
    os.chmod(entry, 0o600)
    assert fwcache.load(raw) is not None


def test_a_damaged_or_foreign_entry_is_a_miss(cache):
    raw = raw_framework()
    parse_framework(raw, name="a.toml")
    entry = next(cache.glob("*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert fwcache.load(raw) is None
    entry.write_bytes(pickle.dumps({"a": 1}))
    assert fwcache.load(raw) is None
    assert parse_framework(raw, name="a.toml").id  # validated again and kept anew
    assert fwcache.load(raw) is not None


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    monkeypatch.setenv("CCGRATE_CACHE_DIR", str(blocked / "below-a-file"))
    assert parse_framework(raw_framework(), name="a.toml").id
    monkeypatch.setenv("CCGRATE_CACHE_DIR", str(tmp_path / "off"))
    monkeypatch.setenv("CCGRATE_NO_CACHE", "1")
    parse_framework(raw_framework(), name="a.toml")
    assert not (tmp_path / "off").exists()
    assert not list(tmp_path.glob("**/*.tmp"))


def test_the_cache_defaults_to_the_users_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("CCGRATE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fwcache.cache_dir() == tmp_path / "ccgrate" / "frameworks"


def test_the_registry_reads_each_builtins_framework_table_as_a_full_parse_would():
    from ccgrate._framework.loader import builtins, tomllib

    for entry in builtins():
        meta = tomllib.loads(Path(entry.path).read_text(encoding="utf-8"))["framework"]
        assert (entry.id, entry.name, entry.period) == (meta["id"], meta["name"], meta["period"])
