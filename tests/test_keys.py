"""API keys: scrypt off the event loop, the bounded cache of verified keys, and 429 for repeated failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptools import app_client, bearer, error_of
from fastapi.testclient import TestClient

from graphsvc.config import Settings
from graphsvc.errors import AuthError
from graphsvc.http import keys as key_file
from graphsvc.http.keys import KeyStore
from graphsvc.http.keyverify import BURST, FailureThrottle


@pytest.fixture(scope="module")
def env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    with app_client(built_settings, tmp_path_factory.mktemp("keys")) as pair:
        yield pair


def from_address(client: TestClient, host: str) -> TestClient:
    """Another client of the same app, seen by the server as coming from ``host`` (no traffic leaves)."""
    return TestClient(client.app, client=(host, 50000), raise_server_exceptions=False)


def wrong(token: str) -> str:
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def test_a_verified_key_is_hashed_once_while_its_record_is_unchanged(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.json")
    rec, token = ks.create("reader", tenant="acme")
    assert ks.authenticate(token).tenant == "acme" and ks.scrypt_runs == 1
    ks.authenticate(token)
    other = KeyStore(tmp_path / "keys.json")  # the CLI, while a server runs
    _, token2 = other.create("writer", tenant="beta")  # keys.json changes, this key's record does not
    assert ks.authenticate(token).tenant == "acme" and ks.scrypt_runs == 1
    assert ks.authenticate(token2).tenant == "beta" and ks.scrypt_runs == 2
    other.revoke(rec.id)
    with pytest.raises(AuthError, match="revoked"):
        ks.authenticate(token)


def test_a_key_whose_record_changed_is_checked_again(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.json")
    rec, token = ks.create("reader", tenant="acme")
    ks.authenticate(token)
    raw = (tmp_path / "keys.json").read_text()
    (tmp_path / "keys.json").write_text(raw.replace(rec.hash, "00" * 32))  # the record now holds another hash
    with pytest.raises(AuthError, match="unknown"):
        ks.authenticate(token)


def test_the_cache_of_verified_keys_is_bounded(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.json")
    ks.verified_cache = 2
    tokens = [ks.create("reader", tenant=f"t{i}")[1] for i in range(3)]
    for t in tokens:
        ks.authenticate(t)
    assert ks.scrypt_runs == 3
    ks.authenticate(tokens[2])  # still remembered
    assert ks.scrypt_runs == 3
    ks.authenticate(tokens[0])  # pushed out by the third
    assert ks.scrypt_runs == 4


def test_scrypt_runs_outside_the_event_loop(env: tuple[TestClient, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    client, keys = env
    threads: list[str] = []
    real = key_file._hash

    def spy(*args: Any) -> bytes:
        threads.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(key_file, "_hash", spy)
    c = from_address(client, "127.0.0.11")
    assert c.get("/frameworks", headers=bearer(wrong(keys["acme_reader"]))).status_code == 401
    assert threads and all(name.startswith("graphsvc-keys") for name in threads), threads


def test_a_wrong_key_being_hashed_holds_up_no_other_caller(
    env: tuple[TestClient, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = env
    entered, release = threading.Event(), threading.Event()
    real = key_file._hash

    def stuck(*args: Any) -> bytes:
        entered.set()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(key_file, "_hash", stuck)
    slow = from_address(client, "127.0.0.12")
    result: dict[str, int] = {}
    t = threading.Thread(
        target=lambda: result.update(
            status=slow.get("/frameworks", headers=bearer(wrong(keys["beta_reader"]))).status_code
        )
    )
    t.start()
    try:
        assert entered.wait(30)
        # the wrong key's hash has not finished, and an anonymous query is answered meanwhile
        r = from_address(client, "127.0.0.13").get("/sparql", params={"query": "ASK {}"})
        assert r.status_code == 200 and r.json()["boolean"] is True and "status" not in result
    finally:
        release.set()
        t.join(30)
    assert result["status"] == 401


def test_repeated_failures_from_one_client_are_answered_429_with_retry_after(
    env: tuple[TestClient, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = env
    verifier = client.app.state.verifier  # type: ignore[attr-defined]
    for budget in (verifier.throttle, verifier.shared):
        monkeypatch.setattr(budget, "clock", lambda: 0.0)  # no refill while the test runs, however slow the machine
    monkeypatch.setattr(verifier, "hold", 0.0)
    bad = from_address(client, "127.0.0.14")
    good_first = bad.get("/frameworks", headers=bearer(keys["acme_writer"]))  # verified before the failures
    assert good_first.status_code == 200
    for _ in range(BURST):
        assert (
            error_of(bad.get("/frameworks", headers=bearer(wrong(keys["acme_reader"]))), 401)["code"] == "unauthorized"
        )
    r = bad.get("/frameworks", headers=bearer(wrong(keys["acme_reader"])))
    body = error_of(r, 429)
    assert body["code"] == "too_many_requests" and int(r.headers["retry-after"]) >= 1
    # a key this client verified before still works; one it has not is not even checked
    assert bad.get("/frameworks", headers=bearer(keys["acme_writer"])).status_code == 200
    _, fresh = client.app.state.gs.keys.create("reader", tenant="beta", name="never used")  # type: ignore[attr-defined]
    error_of(bad.get("/frameworks", headers=bearer(fresh)), 429)
    # anonymous requests are never slowed down, nor are other clients
    assert bad.get("/frameworks").status_code == 200
    assert from_address(client, "127.0.0.15").get("/frameworks", headers=bearer(fresh)).status_code == 200


def test_the_failure_budget_refills() -> None:
    now = [0.0]
    t = FailureThrottle(burst=2, refill=10.0, clock=lambda: now[0])
    assert t.reserve("c") is None and t.reserve("c") is None
    assert t.reserve("c") == 10
    now[0] = 4.0
    assert t.reserve("c") == 6
    now[0] = 10.5
    assert t.reserve("c") is None and t.reserve("c") is not None


def test_many_addresses_failing_share_one_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from graphsvc.errors import TooManyRequests
    from graphsvc.http.keyverify import SHARED_BURST, KeyVerifier

    monkeypatch.setattr(key_file, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})  # cheap keys for this test
    ks = KeyStore(tmp_path / "keys.json")
    _, token = ks.create("reader", tenant="acme")
    frozen = FailureThrottle(clock=lambda: 0.0)
    verifier = KeyVerifier(
        ks, anonymous=True, throttle=frozen, shared=FailureThrottle(burst=SHARED_BURST, clock=lambda: 0.0), hold=0.0
    )

    async def attempt(address: str, key: str) -> str:
        try:
            await verifier.principal(f"Bearer {key}", address)
        except TooManyRequests:
            return "429"
        except AuthError:
            return "401"
        return "ok"

    async def attack() -> list[str]:
        return [await attempt(f"127.0.1.{i}", wrong(token)) for _ in range(3) for i in range(10)]

    try:
        answers = asyncio.run(attack())
        # every address fails once for free; after that they share SHARED_BURST more hashes
        assert ks.scrypt_runs == 10 + SHARED_BURST
        assert answers.count("401") == 10 + SHARED_BURST and answers.count("429") == 20 - SHARED_BURST
        # an address that never failed still has its key checked, and a good key passes
        assert asyncio.run(attempt("127.0.2.1", token)) == "ok"
    finally:
        verifier.close()


def test_keys_are_still_checked_after_the_apps_lifespan_ran_again(built_settings: Settings, tmp_path: Path) -> None:
    """In-process clients (schemathesis, TestClient contexts) start and stop an app more than once;
    stopping it must not leave the key check broken for the next start (CI saw 500s)."""
    with app_client(built_settings, tmp_path) as (client, keys):
        pass  # the lifespan has ended: hashing threads and query workers are stopped
    with TestClient(client.app, raise_server_exceptions=False) as again:
        r = again.get("/frameworks", headers=bearer(keys["acme_reader"]))
        assert r.status_code == 200, r.text
        assert again.get("/frameworks", headers=bearer(wrong(keys["acme_reader"]))).status_code == 401
