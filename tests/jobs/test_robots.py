"""DingTalk and WeCom group robots: one signed Markdown digest per region and sweep, once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask_babel import gettext

from app.domain.exchange import dingtalk_signed_url
from app.jobs import send_robot_digests, sweep_deadlines
from app.models import Enterprise, RobotChannel
from app.services import deadlines
from app.services.robots import RobotDigestError
from app.services.transaction import atomic, session
from tests.factories import World, report
from tests.jobs.conftest import Clock

DING_SECRET = "SECtest0123456789"


class RobotServer:
    """A stand-in for the robot endpoints of DingTalk and WeCom on loopback."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.answer = {"errcode": 0, "errmsg": "ok"}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.posts.append((self.path, json.loads(body)))
                reply = json.dumps(server.answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"


@pytest.fixture
def robots() -> Iterator[RobotServer]:
    server = RobotServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def add_robot(name: str, kind: str, region_id: int, url: str, secret: str | None = None) -> None:
    with atomic() as current:
        current.add(
            RobotChannel(name=name, kind=kind, region_id=region_id, webhook_url=url, secret=secret)
        )


def dingtalk_sign_is_valid(path: str) -> bool:
    """What DingTalk checks: sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(
        hmac.new(
            DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    return hmac.compare_digest(sign, expected)


def test_each_region_s_robot_gets_one_signed_markdown_digest_per_sweep(
    world: World, frozen: Clock, robots: RobotServer
) -> None:
    add_robot(
        "甲镇钉钉群",
        "dingtalk",
        world.township_a.id,
        robots.url("/ding?access_token=t"),
        DING_SECRET,
    )
    add_robot("乙镇企业微信群", "wecom", world.township_b.id, robots.url("/wecom?key=k"))
    codes = [report(world).code for _ in range(3)]
    b_code = report(world, who="grid_b", enterprise=world.b1).code
    frozen.move_to(frozen.now + timedelta(hours=49))
    result = deadlines.sweep_deadlines()
    assert send_robot_digests(result.sweep_id) == 2
    by_path = {path.split("?")[0]: (path, body) for path, body in robots.posts}
    ding_path, ding = by_path["/ding"]
    assert ding_path.startswith("/ding?access_token=t&timestamp=")
    assert dingtalk_sign_is_valid(ding_path)
    assert ding["msgtype"] == "markdown"
    text = ding["markdown"]["text"]
    assert ding["markdown"]["title"] == "SafeLoop 期限提醒：甲镇 3 项隐患"
    # One line per ticket (two inspectors were told: still one line), linked to the ticket.
    assert all(text.count(code) == 1 for code in codes) and b_code not in text
    assert "](http://127.0.0.1:5000/hazard/show/" in text
    wecom = by_path["/wecom"][1]
    assert b_code in wecom["markdown"]["content"] and codes[0] not in wecom["markdown"]["content"]
    # The job retried or run again: nothing is sent twice.
    assert send_robot_digests(result.sweep_id) == 0
    assert len(robots.posts) == 2


def test_a_robot_that_refuses_is_tried_again_the_others_are_not(
    world: World, frozen: Clock, robots: RobotServer
) -> None:
    add_robot("甲镇群", "wecom", world.township_a.id, robots.url("/wecom?key=k"))
    report(world)
    frozen.move_to(frozen.now + timedelta(hours=49))
    result = deadlines.sweep_deadlines()
    robots.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with pytest.raises(RobotDigestError, match="93000"):
        send_robot_digests(result.sweep_id)
    robots.answer = {"errcode": 0, "errmsg": "ok"}
    assert send_robot_digests(result.sweep_id) == 1
    assert send_robot_digests(result.sweep_id) == 0


def test_the_sweep_job_queues_the_robot_digests_only_where_robots_exist(
    world: World, frozen: Clock, robots: RobotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    township_a, e1 = world.township_a.id, world.e1.id
    queued: list[Any] = []
    monkeypatch.setattr("app.services.background.enqueue", lambda f, *a, **k: queued.append(f))
    report(world)
    frozen.move_to(frozen.now + timedelta(hours=25))
    sweep_deadlines()
    assert queued == []
    add_robot("甲镇群", "wecom", township_a, robots.url("/wecom?key=k"))
    world.e1 = session().get(Enterprise, e1)  # the job ended the session it was loaded in
    report(world)
    frozen.move_to(frozen.now + timedelta(hours=25))
    sweep_deadlines()
    assert [f.__name__ for f in queued] == ["send_robot_digests"]
    assert gettext("Messaging robots") == "群机器人"


def test_the_dingtalk_signature_is_dingtalks_own() -> None:
    # sign = urlencode(base64(HMAC-SHA256(secret, "<ms timestamp>\n<secret>"))), here with a
    # "+", a "/" and a "=" that must arrive percent-encoded.
    signed = dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "SEC0123456789abcdef",
        now_ms=1700000000002,
    )
    assert signed == (
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000002"
        "&sign=VGvd0brDJp%2FnMZtR%2BXnA3yBIlhowT%2BTwkRPua0q1%2Fjg%3D"
    )
    # Without a fixed time: the current time in milliseconds.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(dingtalk_signed_url("u?a=1", "s")).query)
    assert abs(int(query["timestamp"][0]) - time.time() * 1000) < 60_000


def test_a_long_digest_stays_within_wecoms_4096_bytes(
    world: World, frozen: Clock, robots: RobotServer
) -> None:
    add_robot("甲镇群", "wecom", world.township_a.id, robots.url("/wecom?key=k"))
    for n in range(25):
        report(world, title=f"二号仓库东侧消防通道堆放大量纸箱和木托盘影响疏散{n:02d}")
    frozen.move_to(frozen.now + timedelta(hours=49))
    result = deadlines.sweep_deadlines()
    assert send_robot_digests(result.sweep_id) == 1
    content = robots.posts[0][1]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    shown = content.count("/hazard/show/")
    assert 5 < shown < 25 and f"另有 {25 - shown} 条" in content
