"""The web container's health check: /healthz through gunicorn, as nginx would ask for it."""

import http.client
import os
import sys

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
port = int(os.environ.get("GUNICORN_BIND", ":8000").rpartition(":")[2] or 8000)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
try:
    conn.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = conn.getresponse().status
except OSError:
    status = 0
sys.exit(0 if status == 200 else 1)
