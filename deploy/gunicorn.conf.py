"""gunicorn settings for production: bind to loopback only; nginx in front terminates TLS."""

import multiprocessing

bind = "127.0.0.1:8000"
workers = multiprocessing.cpu_count() * 2 + 1
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then: unwrapped data keys never live for long
max_requests_jitter = 200
# Request lines carry paths with ids only (never personal data); keep them, without query strings.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
