"""One TLS context for every HTTP client of this process.

httpx makes a new SSL context for each client, and loading the CA bundle into it takes about 57 ms of
CPU here: a Compare round's first client held its requests back that long, and each Playground send
paid it again. An SSLContext is safe to share between threads and event loops; it reads the
environment's SSL_CERT_FILE / SSL_CERT_DIR once, when first made."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
