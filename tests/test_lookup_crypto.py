"""Lookup crypto: derivation, deterministic encryption, equal-size shards, the private key cache,
the background derivation."""

import hashlib
import hmac
import os
import threading
import time

import pytest

from pipeline import lookup_crypto as lc

SALT, ITER = b"test-salt-16byte", 1000


def entries(n):
    out = []
    for i in range(n):
        derived = lc.derive(f"胶市监立〔2026〕{i}号", f"CODE-{i:04d}-ABCD-EFGH", SALT, ITER)
        out.append((derived, ('{"n":"案件%d"}' % i).encode()))
    return out


def test_derivation_normalises_case_number_and_code():
    a = lc.derive("胶市监立〔2026〕1号", "abcd-efgh-jkmn-pqrs", SALT, ITER)
    assert lc.derive(" 胶市监立[2026]1 号", "ABCDEFGHJKMNPQRS", SALT, ITER) == a
    assert lc.derive("胶市监立（2026）1号", "ABCDEFGHJKMNPQRS", SALT, ITER) != a  # () is not []
    assert lc.derive("胶市监立〔2026〕1号", "ABCDEFGHJKMNPQRT", SALT, ITER) != a
    assert len(a) == 64


def test_derivation_is_one_pbkdf2_block_expanded_with_hkdf():
    # RFC 5869 written out with hmac, independently of the `cryptography` HKDF derive() uses
    pw = "胶市监立[2026]1号\nABCDEFGHJKMNPQRS".encode()
    stretched = hashlib.pbkdf2_hmac("sha256", pw, SALT, ITER, 32)
    prk = hmac.new(SALT, stretched, hashlib.sha256).digest()
    t1 = hmac.new(prk, b"gongshi-lookup-v2\x01", hashlib.sha256).digest()
    t2 = hmac.new(prk, t1 + b"gongshi-lookup-v2\x02", hashlib.sha256).digest()
    assert lc.derive("胶市监立〔2026〕1号", "ABCD-EFGH-JKMN-PQRS", SALT, ITER) == t1 + t2
    # not the 64-byte PBKDF2 of scheme v1, whose second block doubled the work
    assert t1 + t2 != hashlib.pbkdf2_hmac("sha256", pw, SALT, ITER, 64)


def test_shards_equal_size_decrypt_and_reject_wrong_keys():
    layout = lc.build_shards(entries(40), b"pad-secret")
    sizes = {len(s) for s in layout.shards.values()}
    assert sizes == {layout.shard_bytes} and layout.shard_bytes <= lc.MAX_SHARD_BYTES
    for i, (derived, _) in enumerate(entries(40)):
        shard = layout.shards[lc.shard_index(derived, layout.shard_count)]
        assert lc.open_entry(shard, derived, layout.slot_size) == {"n": f"案件{i}"}
    wrong = lc.derive("胶市监立〔2026〕1号", "WRONG-CODE-0000-0000", SALT, ITER)
    shard = layout.shards[lc.shard_index(wrong, layout.shard_count)]
    assert lc.open_entry(shard, wrong, layout.slot_size) is None


def test_build_is_deterministic_and_dummies_depend_on_the_secret():
    a = lc.build_shards(entries(10), b"pad-secret")
    assert lc.build_shards(entries(10), b"pad-secret").shards == a.shards
    b = lc.build_shards(entries(10), b"other-secret")
    assert b.shards != a.shards and b.shard_bytes == a.shard_bytes


def test_layout_keeps_shards_small_at_scale():
    # 25,000 entries of a realistic padded size: every shard within 8 KB.
    words = [int.from_bytes(os.urandom(4), "big") for _ in range(25_000)]
    size = lc.slot_size(576)
    count, slots = lc.choose_layout(words, size)
    assert slots * size <= lc.MAX_SHARD_BYTES
    loads = {}
    for w in words:
        loads[w % count] = loads.get(w % count, 0) + 1
    assert max(loads.values()) <= slots


def test_oversized_entry_is_refused():
    derived = entries(1)[0][0]
    with pytest.raises(ValueError):
        lc.encrypt_slot(derived, b"x" * 100, 64)


def test_key_cache_skips_known_keys_and_prunes_unused(tmp_path, monkeypatch):
    path = str(tmp_path / "private" / "cache.json")
    pairs = [("A1", "CODE-AAAA-BBBB-CCCC"), ("A2", "CODE-DDDD-EEEE-FFFF")]
    derived, fresh = lc.derive_many(pairs, SALT, ITER, cache := lc.KeyCache(path))
    cache.save()
    assert fresh == 2 and oct(os.stat(path).st_mode)[-3:] == "600"
    assert "A1" not in open(path, encoding="utf-8").read()

    def boom(*args):
        raise AssertionError("derived again")
    monkeypatch.setattr(lc, "derive", boom)
    again, fresh = lc.derive_many(pairs[:1], SALT, ITER, cache := lc.KeyCache(path))
    cache.save()
    assert fresh == 0 and again == derived[:1]
    assert len(lc.KeyCache(path)._old) == 1  # A2 no longer in the build: dropped


def test_check_shards(tmp_path):
    folder = tmp_path / lc.SHARD_FOLDER
    folder.mkdir(parents=True)
    (folder / "0.bin").write_bytes(b"x" * 100)
    (folder / "1.bin").write_bytes(b"y" * 100)
    assert lc.check_shards(str(tmp_path)) == (2, 100)
    (folder / "2.bin").write_bytes(b"z" * 99)
    with pytest.raises(ValueError):
        lc.check_shards(str(tmp_path))


def test_damaged_key_cache_is_ignored(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text("{not json", encoding="utf-8")
    derived, fresh = lc.derive_many([("A1", "CODE-AAAA-BBBB-CCCC")], SALT, ITER, lc.KeyCache(str(path)))
    assert fresh == 1 and len(derived[0]) == 64


def test_key_cache_of_another_scheme_is_never_reused(tmp_path, monkeypatch):
    path = str(tmp_path / "cache.json")
    pairs = [("A1", "CODE-AAAA-BBBB-CCCC")]
    monkeypatch.setattr(lc, "SCHEME", b"gongshi-lookup-v1")
    lc.derive_many(pairs, SALT, ITER, cache := lc.KeyCache(path))
    cache.save()
    monkeypatch.undo()
    derived, fresh = lc.derive_many(pairs, SALT, ITER, lc.KeyCache(path))
    assert fresh == 1 and derived[0] == lc.derive("A1", "CODE-AAAA-BBBB-CCCC", SALT, ITER)


def derive_threads():
    return [t for t in threading.enumerate() if t.name.startswith("lookup-derive")]


PAIRS = [(f"A{i}", f"CODE-{i:04d}-BBBB-CCCC") for i in range(50)]


def test_background_derivation_matches_any_thread_count():
    alone, fresh = lc.BackgroundDerivation(PAIRS, SALT, ITER, workers=0).result()
    assert fresh == 50 and alone == [lc.derive(c, k, SALT, ITER) for c, k in PAIRS]
    assert lc.BackgroundDerivation(PAIRS, SALT, ITER, workers=3).result() == (alone, 50)
    assert not derive_threads()


def test_background_error_reaches_result_and_stops_the_threads(monkeypatch):
    real = lc.derive

    def fails_on_a7(case_no, *args):
        if case_no == "A7":
            raise ValueError("broken")
        time.sleep(0.01)
        return real(case_no, *args)
    monkeypatch.setattr(lc, "derive", fails_on_a7)
    job = lc.BackgroundDerivation(PAIRS, SALT, ITER, workers=2)
    with pytest.raises(ValueError, match="broken"):
        job.result()
    assert not derive_threads() and job not in lc._LIVE


def test_stop_all_ends_a_derivation_nobody_collects(monkeypatch):
    # a build that fails after generate_context: render_site calls stop_all() in its finally
    monkeypatch.setattr(lc, "derive", lambda *args: time.sleep(0.05) or bytes(64))
    job = lc.BackgroundDerivation(PAIRS * 4, SALT, ITER, workers=2)  # ~5 s of work per thread
    assert derive_threads()
    started = time.perf_counter()
    lc.stop_all()
    # one derivation per thread, not a whole chunk
    assert time.perf_counter() - started < 0.4 and not derive_threads()
    with pytest.raises(RuntimeError, match="stopped"):
        job.result()
