"""A server that is reached but answers 5xx is a server error ("服务器暂时出错" / "Server error,
try later"), not "offline"; a server that cannot be reached is offline."""

import httpx

from mobile.core.crypto import KdfCost
from mobile.core.phone import Phone
from mobile.core.sync import Retry
from mobile.i18n import Words


def phone_against(tmp_path, handler) -> Phone:
    phone = Phone(
        tmp_path / "phone",
        http_factory=lambda url: httpx.Client(base_url=url, transport=httpx.MockTransport(handler)),
        kdf_cost=KdfCost(n=1024, r=1),
        retry=Retry(attempts=2, first_delay=0, sleep=lambda _s: None),
    )
    phone.store.set_up("246810")
    phone.store.set_meta("server_url", "http://doorstep.test")
    phone.store.set_secret("tokens", {"access": "a", "refresh": "r"})
    return phone


def test_a_5xx_is_a_server_error_in_words(tmp_path):
    calls = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(500, json={"title": "Internal Server Error"})

    phone = phone_against(tmp_path, broken)
    phone.sync()
    assert len(calls) == 2  # retried, then given up
    assert phone.state.problem == "server_error" and phone.state.online is True
    assert Words("zh")(phone.state.problem) == "服务器暂时出错，请稍后再试"
    assert Words("en")(phone.state.problem) == "Server error, try later"


def test_no_connection_is_offline(tmp_path):
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    phone = phone_against(tmp_path, unreachable)
    phone.sync()
    assert phone.state.problem == "offline" and phone.state.online is False
