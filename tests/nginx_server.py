"""Run the repository's deploy/nginx.conf under a real nginx on a free loopback port (tests only).

Only `listen` and `root` are rewritten; every header, cache and gzip rule is the deployed one.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time

NGINX = "/usr/sbin/nginx"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE_CONF = os.path.join(REPO, "deploy", "nginx.conf")

MAIN_CONF = """daemon off;
worker_processes 1;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp-body;
    proxy_temp_path {prefix}/tmp-proxy;
    fastcgi_temp_path {prefix}/tmp-fastcgi;
    uwsgi_temp_path {prefix}/tmp-uwsgi;
    scgi_temp_path {prefix}/tmp-scgi;
    include {prefix}/site.conf;
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(root: str, port: int) -> str:
    with open(SITE_CONF, encoding="utf-8") as fh:
        text = fh.read()
    text, n_listen = re.subn(r"^    listen 80;\n    listen \[::\]:80;\n",
                             f"    listen 127.0.0.1:{port};\n", text, count=1, flags=re.M)
    text, n_root = re.subn(r"^    root \S+;", f"    root {root};", text, count=1, flags=re.M)
    assert n_listen == 1 and n_root == 1, "deploy/nginx.conf: listen/root lines not found"
    return text


@contextlib.contextmanager
def nginx_serving(root: str, prefix: str):
    """Serve `root` (e.g. <target>/current) with deploy/nginx.conf; yields the base URL."""
    os.makedirs(prefix, exist_ok=True)
    port = _free_port()
    with open(os.path.join(prefix, "site.conf"), "w", encoding="utf-8") as fh:
        fh.write(site_config(root, port))
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w", encoding="utf-8") as fh:
        fh.write(MAIN_CONF.format(prefix=prefix))
    cmd = [NGINX, "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log")]
    check = subprocess.run(cmd + ["-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
