"""Where consumers call an API and the example call shown with a credential (forecourt.live.gateway)."""

import pytest

from forecourt.live import gateway


@pytest.mark.parametrize(("gateway_url", "listen_path", "expected"), [
    ("https://api.example.com", "/weather/", "https://api.example.com/weather/"),
    ("https://api.example.com/", "weather/", "https://api.example.com/weather/"),
    ("https://api.example.com/v1/", "/weather", "https://api.example.com/v1/weather"),
    ("https://api.example.com", "", "https://api.example.com/"),
    ("", "/weather/", ""),  # no gateway URL: no address, not a broken one
    ("ftp://api.example.com", "/weather/", ""),
    ("api.example.com", "/weather/", ""),
    ("https://api.example.com/'; rm -rf /", "/x", ""),
])
def test_the_address_is_the_gateway_url_and_the_listen_path(gateway_url, listen_path, expected):
    assert gateway.address(gateway_url, listen_path) == expected


@pytest.mark.parametrize(("auth_type", "expected"), [
    ("authToken", "curl -H 'Authorization: k3y' 'https://gw.example.com/a/'"),
    ("", "curl -H 'Authorization: k3y' 'https://gw.example.com/a/'"),
    ("jwt", "curl -H 'Authorization: Bearer YOUR_JWT' 'https://gw.example.com/a/'"),
    ("oauth2", "curl -H 'Authorization: Bearer ACCESS_TOKEN' 'https://gw.example.com/a/'"),
    ("basic", "curl -u 'USER_NAME:PASSWORD' 'https://gw.example.com/a/'"),
    ("keyless", "curl 'https://gw.example.com/a/'"),
    ("hmac", ""),  # a signed request is no one-liner
    ("mtls", ""),
])
def test_the_example_call_carries_the_credential_where_the_auth_type_expects_it(auth_type, expected):
    assert gateway.example_call("https://gw.example.com/a/", auth_type, "k3y") == expected


def test_no_address_no_example_and_a_secret_that_would_break_the_quotes_is_not_used():
    assert gateway.example_call("", "authToken", "k3y") == ""
    assert "YOUR_KEY" in gateway.example_call("https://gw.example.com/", "authToken", "it's")
