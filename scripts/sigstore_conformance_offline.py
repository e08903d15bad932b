"""pytest plugin for running sigstore-conformance's verification tests offline.

The suite's `client` fixture downloads a public OIDC test token at start-up (it only matters for
signing, which needs the network). This replaces that download with a locally made, unsigned
token carrying the claims the client wrapper reads; verification tests never use it.
"""

import base64
import json
import time


def _fake_token() -> str:
    def b64(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"email": "offline@example.invalid", "iss": "https://offline.invalid", "exp": int(time.time()) + 3600}
    return f"{b64({'alg': 'none'})}.{b64(claims)}.sig"


class _Response:
    data = _fake_token().encode()


def _offline_request(*_args, **_kwargs):
    return _Response()


def pytest_plugin_registered(plugin, manager):
    # The suite's conftest imports `request` from urllib3 at module level; swap it once loaded.
    if getattr(plugin, "__name__", "").endswith("conftest") and hasattr(plugin, "request"):
        plugin.request = _offline_request
