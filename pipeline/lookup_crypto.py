"""Key derivation, encryption and shard layout of the case-progress lookup (domain §9).

Shared by the build (plugins/gongshi/generators/lookup.py) and the tests; theme/static/js/lookup.js
mirrors `derive()`, `shard_index()` and the slot format with Web Crypto.

    stretched = PBKDF2-SHA256(password = normalised case no + "\n" + normalised code,
                              salt, iterations, 32 bytes)
    derived   = HKDF-SHA256(stretched, salt = salt, info = SCHEME, 64 bytes)
    derived[0:4]   big-endian uint32; modulo the shard count -> shard index
    derived[16:32] entry tag: finds the slot inside the shard
    derived[32:64] AES-256-GCM key

A shard is `slots` fixed-size slots sorted by their bytes: tag (16) | nonce (12) | ciphertext of
(2-byte length | deflate-raw of the entry JSON | zero padding to a fixed length) | GCM tag (16).
Compressing first makes entries ~40% smaller, and smaller slots let shards hold more entries, which
evens out the random placement: about a third of the total size at 25,000 cases. Unused slots are pseudo-random bytes
from a private build secret, so every shard has the same size and nothing tells real from dummy.
The nonce is derived from the key and the plaintext, so identical input gives identical output.

Why PBKDF2 gives only 32 bytes: each further 32 bytes of PBKDF2-SHA256 output is a whole new run of
the iterations, yet an attacker tests a guess with the first block alone (it holds the shard index
and the entry tag), so a second block cost the build and the phone twice the work and the attacker
nothing. HKDF expands the one block to the 64 bytes of the layout at the cost of a few hashes.
SCHEME names this derivation (v1 was 64 bytes of PBKDF2); it is also part of every KeyCache key.

Derivation is the build's costliest step on a cold key cache; BackgroundDerivation runs it on
spare cores while the other page families render (hashlib's PBKDF2 releases the GIL).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .querycodes import normalise_case_no, normalise_code

SCHEME = b"gongshi-lookup-v2"  # HKDF info; lookup.js uses the same label
STRETCHED_BYTES = 32  # one PBKDF2-SHA256 block
DERIVED_BYTES = 64
TAG_BYTES = 16
NONCE_BYTES = 12
GCM_TAG_BYTES = 16
MAX_SHARD_BYTES = 8192
MAX_SHARD_BITS = 16
MIN_SLOTS = 4
PLAINTEXT_QUANTUM = 64  # padded plaintext length is a multiple of this
DEFAULT_ITERATIONS = 10_000


def password(case_no: str, code: str) -> bytes:
    return (normalise_case_no(case_no) + "\n" + normalise_code(code)).encode("utf-8")


def derive(case_no: str, code: str, salt: bytes, iterations: int) -> bytes:
    stretched = hashlib.pbkdf2_hmac("sha256", password(case_no, code), salt, iterations,
                                    STRETCHED_BYTES)
    return HKDF(hashes.SHA256(), DERIVED_BYTES, salt=salt, info=SCHEME).derive(stretched)


def shard_index(derived: bytes, shard_count: int) -> int:
    return int.from_bytes(derived[0:4], "big") % shard_count


def entry_tag(derived: bytes) -> bytes:
    return derived[16:32]


def entry_key(derived: bytes) -> bytes:
    return derived[32:64]


class KeyCache:
    """Derived keys kept privately between builds (JSON next to the codes file, never in output).

    Keyed by HMAC(salt, SCHEME | iterations | case number | code), so the file names no case, and
    a change of scheme, salt, iterations or code simply misses (keys of an older scheme are never
    reused). `save()` drops entries this build did not use.
    """

    def __init__(self, path: str | None):
        self.path = path
        self._old: dict[str, str] = {}
        self._used: dict[str, str] = {}
        if path and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    self._old = dict(json.load(fh))
            except (OSError, ValueError, TypeError):  # a damaged cache only costs time
                self._old = {}

    @staticmethod
    def key(case_no: str, code: str, salt: bytes, iterations: int) -> str:
        msg = SCHEME + b"\x1f" + str(iterations).encode() + b"\x1f" + password(case_no, code)
        return hmac.new(salt, msg, hashlib.sha256).hexdigest()

    def get(self, key: str) -> bytes | None:
        value = self._old.get(key) or self._used.get(key)
        if value is None:
            return None
        self._used[key] = value
        return bytes.fromhex(value)

    def put(self, key: str, derived: bytes) -> None:
        self._used[key] = derived.hex()

    def save(self) -> None:
        if not self.path:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lookup-key-cache-")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self._used, fh, sort_keys=True, indent=0)
        os.replace(tmp, self.path)


def derive_many(pairs: list[tuple[str, str]], salt: bytes, iterations: int,
                cache: KeyCache | None = None) -> tuple[list[bytes], int]:
    """Derived bytes for each (case no, code); returns (derived list, number freshly derived).

    Uses every core: the caller plus one thread per other core."""
    workers = max(0, (os.cpu_count() or 1) - 1)
    return BackgroundDerivation(pairs, salt, iterations, cache, workers).result()


CHUNK = 16  # derivations a thread takes at a time (a stop is still noticed after each one)
_LIVE: set["BackgroundDerivation"] = set()  # started and not yet closed, for stop_all()


class BackgroundDerivation:
    """derive_many started now and collected later, so the derivations overlap other work.

    Worker threads (default: one per core but the caller's, which keeps rendering) take chunks of
    the pairs the cache does not hold from a shared queue. `result()` makes the caller derive what
    is still queued, waits for the threads, fills the cache and returns what derive_many returns.
    `close()` stops the threads after their current derivation and joins them; result() always
    calls it, and stop_all() does for a build that failed before reaching result(), so a failed
    build neither hangs nor leaves threads running. The threads are daemons only as a last resort
    (an interpreter exiting without either call does not wait for the queue). Which thread derived
    which pair does not change any result, so the output stays deterministic.
    """

    def __init__(self, pairs: list[tuple[str, str]], salt: bytes, iterations: int,
                 cache: KeyCache | None = None, workers: int | None = None):
        self.cache = cache or KeyCache(None)
        self._pairs, self._salt, self._iterations = pairs, salt, iterations
        self._keys = [KeyCache.key(c, k, salt, iterations) for c, k in pairs]
        self._result: list[bytes | None] = [self.cache.get(k) for k in self._keys]
        self._todo = [i for i, r in enumerate(self._result) if r is None]
        self._queue = deque(self._todo[i:i + CHUNK] for i in range(0, len(self._todo), CHUNK))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._errors: list[BaseException] = []
        self.thread_cpu_s = 0.0  # CPU seconds of the worker threads (the build's timings show it)
        self.thread_wall_s = 0.0  # from start until the last worker thread finished
        self._started = time.perf_counter()
        if workers is None:
            workers = max(1, (os.cpu_count() or 1) - 1)
        self._threads = [threading.Thread(target=self._work, args=(True,), daemon=True,
                                          name=f"lookup-derive-{n}")
                         for n in range(min(workers, len(self._queue)))]
        _LIVE.add(self)
        for thread in self._threads:
            thread.start()

    def _work(self, in_thread: bool = False) -> None:
        cpu = time.thread_time()
        try:
            while not self._stop.is_set():
                try:
                    chunk = self._queue.popleft()
                except IndexError:  # queue empty: done
                    return
                for i in chunk:
                    if self._stop.is_set():
                        return
                    # module global looked up per call: tests replace `derive`
                    self._result[i] = derive(*self._pairs[i], self._salt, self._iterations)
        except BaseException as exc:
            if not in_thread:
                raise
            self._errors.append(exc)  # re-raised by result()
            self._stop.set()
        finally:
            if in_thread:
                with self._lock:
                    self.thread_cpu_s += time.thread_time() - cpu
                    self.thread_wall_s = time.perf_counter() - self._started

    def result(self) -> tuple[list[bytes], int]:
        try:
            self._work()  # the caller's core helps with whatever is still queued
            for thread in self._threads:
                thread.join()
        finally:
            self.close()
        if self._errors:
            raise self._errors[0]
        if any(r is None for r in self._result):
            raise RuntimeError("lookup key derivation was stopped before it finished")
        for i in self._todo:
            self.cache.put(self._keys[i], self._result[i])  # type: ignore[arg-type]
        return self._result, len(self._todo)  # type: ignore[return-value]

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        _LIVE.discard(self)


def stop_all() -> None:
    """Close every derivation not yet collected (pipeline.render calls this when a build ends)."""
    for derivation in list(_LIVE):
        derivation.close()


def pack(plaintext: bytes) -> bytes:
    """2-byte length + raw deflate (lookup.js inflates with DecompressionStream('deflate-raw'))."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = packer.compress(plaintext) + packer.flush()
    return len(body).to_bytes(2, "big") + body


def unpack(padded: bytes) -> bytes:
    size = int.from_bytes(padded[:2], "big")
    return zlib.decompress(padded[2:2 + size], -15)


def padded_length(packed: list[bytes]) -> int:
    longest = max((len(p) for p in packed), default=0)
    return max(PLAINTEXT_QUANTUM, -(-longest // PLAINTEXT_QUANTUM) * PLAINTEXT_QUANTUM)


def slot_size(plain_len: int) -> int:
    return TAG_BYTES + NONCE_BYTES + plain_len + GCM_TAG_BYTES


def encrypt_slot(derived: bytes, packed: bytes, plain_len: int) -> bytes:
    if len(packed) > plain_len:
        raise ValueError("lookup entry longer than the padded length")
    padded = packed + bytes(plain_len - len(packed))
    key, tag = entry_key(derived), entry_tag(derived)
    nonce = hmac.new(key, hashlib.sha256(padded).digest(), hashlib.sha256).digest()[:NONCE_BYTES]
    return tag + nonce + AESGCM(key).encrypt(nonce, padded, tag)


def shard_counts(limit: int = 1 << MAX_SHARD_BITS):
    """Candidate shard counts, growing by about 1/8 each step (powers of two waste up to half)."""
    count = 1
    while count <= limit:
        yield count
        count = max(count + 1, count * 9 // 8)


def choose_layout(words: list[int], size: int, max_bytes: int = MAX_SHARD_BYTES) -> tuple[int, int]:
    """(shard_count, slots) with the least padded total whose fullest shard fits in max_bytes.

    Random placement leaves some shards fuller than average and every shard is padded to the
    fullest, so the total depends on the count; ties go to fewer shards (fewer files)."""
    values = np.asarray(words, dtype=np.uint64)
    best: tuple[int, int, int] | None = None
    for count in shard_counts():
        fullest = int(np.bincount(values % count).max()) if len(values) else 0
        slots = max(MIN_SLOTS, fullest + 1)  # at least one dummy in every shard
        if slots * size <= max_bytes and (best is None or count * slots < best[0]):
            best = (count * slots, count, slots)
        if best and count > 4 * best[1]:  # totals only grow from here on
            break
    if best is None:
        raise ValueError(f"lookup entries of {size} bytes cannot fit {max_bytes}-byte shards")
    return best[1], best[2]


@dataclass
class Layout:
    shard_count: int
    slots: int
    slot_size: int
    plain_len: int
    shards: dict[int, bytes] = field(default_factory=dict)

    @property
    def shard_bytes(self) -> int:
        return self.slots * self.slot_size

    @property
    def hex_digits(self) -> int:
        return max(1, ((self.shard_count - 1).bit_length() + 3) // 4)

    def file_name(self, index: int) -> str:
        return f"{index:0{self.hex_digits}x}.bin"


def _dummy(pad_secret: bytes, shard: int, slot: int, size: int) -> bytes:
    return hashlib.shake_256(pad_secret + shard.to_bytes(4, "big") + slot.to_bytes(4, "big")).digest(size)


def build_shards(entries: list[tuple[bytes, bytes]], pad_secret: bytes) -> Layout:
    """Encrypt (derived, entry JSON) pairs into equal-size shards padded with dummy slots."""
    entries = [(derived, pack(plaintext)) for derived, plaintext in entries]
    plain_len = padded_length([p for _, p in entries])
    size = slot_size(plain_len)
    count, slots = choose_layout([int.from_bytes(d[0:4], "big") for d, _ in entries], size)
    buckets: dict[int, list[bytes]] = {i: [] for i in range(count)}
    for derived, plaintext in entries:
        buckets[shard_index(derived, count)].append(encrypt_slot(derived, plaintext, plain_len))
    layout = Layout(count, slots, size, plain_len)
    for index, real in buckets.items():
        dummies = [_dummy(pad_secret, index, j, size) for j in range(slots - len(real))]
        layout.shards[index] = b"".join(sorted(real + dummies))
    return layout


def open_entry(shard: bytes, derived: bytes, size: int) -> dict | None:
    """Reference decryption (what lookup.js does): the entry for `derived`, or None."""
    tag = entry_tag(derived)
    for start in range(0, len(shard), size):
        slot = shard[start:start + size]
        if slot[:TAG_BYTES] == tag:
            nonce = slot[TAG_BYTES:TAG_BYTES + NONCE_BYTES]
            plain = AESGCM(entry_key(derived)).decrypt(nonce, slot[TAG_BYTES + NONCE_BYTES:], tag)
            return json.loads(unpack(plain).decode("utf-8"))
    return None


SHARD_FOLDER = "lookup/shards"  # relative to the output folder


def check_shards(output_dir: str) -> tuple[int, int]:
    """(shard count, bytes per shard) of a built site; ValueError unless every shard has the same
    size and none exceeds MAX_SHARD_BYTES. The bench calls this at scale 10."""
    folder = os.path.join(output_dir, SHARD_FOLDER)
    sizes = {os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)} \
        if os.path.isdir(folder) else set()
    if not sizes:
        return 0, 0
    if len(sizes) != 1 or max(sizes) > MAX_SHARD_BYTES:
        raise ValueError(f"lookup shards must be equal and <= {MAX_SHARD_BYTES} bytes: {sorted(sizes)}")
    return len(os.listdir(folder)), sizes.pop()
