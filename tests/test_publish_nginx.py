"""deploy/nginx.conf under a real nginx over a published release (fake pipeline: fast; the browser
smoke test over the demo release is in test_publish_demo.py)."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import urllib.error
import urllib.request

import pytest

import publish_fakes as fakes
from nginx_server import NGINX, nginx_serving
from pipeline.publish import publish

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx not installed")

RECORDS = [{"id": f"cf-{i:012d}", "title": "某公司处罚决定" * 20, "publish_until": "2027-01-01"}
           for i in range(3)]


def get(url, gzip_ok=True):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("nginx-fake")
    target = str(root / "site")
    source = fakes.make_source(str(root / "src"), RECORDS)
    result = publish(source, target, as_of=dt.date(2026, 11, 20), steps=fakes.steps(), wait=0,
                     log=lambda *_: None)
    with nginx_serving(os.path.join(target, "current"), str(root / "nginx")) as url:
        yield url, target, result


def test_precompressed_files_are_served_with_gzip(served):
    url, target, _ = served
    status, headers, body = get(url + "/")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers.get("Vary", "")
    with open(os.path.join(target, "current", "index.html"), "rb") as fh:
        assert gzip.decompress(body) == fh.read()
    status, headers, body = get(url + "/", gzip_ok=False)
    assert "Content-Encoding" not in headers and body.startswith(b"<!DOCTYPE html>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_security_headers_on_pages_assets_and_errors(served):
    url, _, _ = served
    for path in ("/", "/theme/site.css", "/no/such/page/"):
        _, headers, _ = get(url + path)
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # HSTS only with TLS
        assert "nginx/" not in headers.get("Server", "")


def test_cache_lifetimes_short_for_pages_long_for_versioned_static(served):
    url, _, _ = served
    assert "max-age=300" in get(url + "/")[1]["Cache-Control"]
    assert "max-age=300" in get(url + "/penalties/cf-000000000000/")[1]["Cache-Control"]
    assert get(url + "/theme/site.css")[1]["Cache-Control"] == "public, max-age=3600"
    assert "immutable" in get(url + "/theme/site.css?v=3f2a")[1]["Cache-Control"]


def test_nothing_outside_the_live_release_is_reachable(served):
    url, _, result = served
    for path in (f"/{result.build_id}.report.html", f"/releases/{result.build_id}.report.html",
                 "/../history.txt", "/private/codes.csv", "/.publish.lock"):
        assert get(url + path)[0] in (400, 404), path  # 400: nginx rejects the ../
