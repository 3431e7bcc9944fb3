"""``lw logs`` over activations: order, filters, request lines and follow mode."""

from __future__ import annotations

from pathlib import Path

from fake_openwhisk import FakeOpenWhisk
from ow_helpers import make_app, make_ctx

from lw.core.provider import LogQuery
from lw.providers.openwhisk import logs
from lw.providers.openwhisk.remote import connect

ACCESS = '2026-11-26T10:00:00.000Z stderr: 127.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "GET /items HTTP/1.1" 200 12'


def seed(fake: FakeOpenWhisk) -> None:
    fake._record(
        "shop-dev/app",
        "shop-dev",
        "app",
        {"statusCode": 200},
        [ACCESS, "2026-11-26T10:00:00.001Z stdout: hello from app"],
        True,
    )
    fake._record(
        "shop-dev/events",
        "shop-dev",
        "events",
        {"error": "boom: it broke\nsecond line"},
        ["2026-11-26T10:00:01Z stderr: Traceback"],
        False,
    )
    fake._record("other-dev/app", "other-dev", "app", {}, ["2026-11-26T10:00:02Z stdout: not ours"], True)


def collect(fake: FakeOpenWhisk, project: Path, **query) -> list[str]:
    return list(logs.lines(connect(make_ctx(make_app(project, fake))), LogQuery(**query)))


def test_lines_of_both_actions_oldest_first_with_failures(fake: FakeOpenWhisk, project: Path) -> None:
    seed(fake)
    lines = collect(fake, project)
    assert [line.split(" ", 1)[0] for line in lines] == ["app", "app", "events", "events"]
    assert "hello from app" in lines[1]
    assert lines[-1].endswith("application error: boom: it broke")
    assert not any("not ours" in line for line in lines)


def test_filter_and_http_switches(fake: FakeOpenWhisk, project: Path) -> None:
    seed(fake)
    assert [line for line in collect(fake, project, filter="hello")] == [
        line for line in collect(fake, project) if "hello" in line
    ]
    only_http = collect(fake, project, http=True)
    assert len(only_http) == 1 and '"GET /items HTTP/1.1" 200' in only_http[0]
    assert not any("GET /items" in line for line in collect(fake, project, http=False))


def test_tail_keeps_polling_and_prints_each_activation_once(fake: FakeOpenWhisk, project: Path) -> None:
    seed(fake)
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        fake._record(
            "shop-dev/app", "shop-dev", "app", {}, [f"2026-11-26T10:00:0{len(naps) + 2}Z stdout: new {len(naps)}"], True
        )

    stream = logs.lines(connect(make_ctx(make_app(project, fake))), LogQuery(tail=True), sleep=sleep)
    seen = [next(stream) for _ in range(6)]
    assert [s.rsplit(" ", 2)[-2:] for s in seen[-2:]] == [["new", "1"], ["new", "2"]]
    assert len(naps) == 2


def test_activations_are_read_page_by_page_until_the_window_is_exhausted() -> None:
    """The controller pages by 200, newest first: a busy --since window must not be cut at one page."""
    from types import SimpleNamespace

    from lw.providers.openwhisk import activations

    records = {
        name: [{"activationId": f"{name}-{i}", "start": 10_000 - i} for i in range(450)]
        for name in ("p/app", "p/events")
    }
    calls: list[tuple[str, int, int]] = []

    def get(path: str, *, name: str, limit: int, skip: int, **params: object) -> list[dict]:
        calls.append((name, limit, skip))
        return records[name][skip : skip + limit]

    remote = SimpleNamespace(names=SimpleNamespace(package="p"), get=get)
    found = activations.recent(remote, since_ms=1, limit=activations.MAX_PER_ACTION)  # type: ignore[arg-type]
    assert len(found) == 900
    assert [c for c in calls if c[0] == "p/app"] == [("p/app", 200, 0), ("p/app", 200, 200), ("p/app", 200, 400)]
    assert found[0]["start"] <= found[-1]["start"]
