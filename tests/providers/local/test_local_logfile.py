"""The deployment log: written with timestamps, read back filtered and followed."""

from __future__ import annotations

import threading
import time

from lw.providers.local.logfile import LogSink, is_request_line, read_lines

CLF = '127.0.0.1 - - [26/Nov/2026:15:09:28 +0000] "GET /?name=x HTTP/1.1" 200 35 "-" "curl/7.88.1" 1.8ms'


def test_filters_by_pattern_and_request_lines(tmp_path) -> None:
    sink = LogSink(tmp_path / "logs" / "runtime.log")
    sink.write("[1:0]", CLF)
    sink.write("[1:0]", "app says hello\nsecond line")
    sink.close()
    path = tmp_path / "logs" / "runtime.log"
    everything = list(read_lines(path))
    assert len(everything) == 3 and everything[0].endswith(CLF)
    assert [line.split(" ", 1)[1] for line in read_lines(path, http=False)] == ["app says hello", "second line"]
    assert len(list(read_lines(path, http=True))) == 1
    assert len(list(read_lines(path, pattern="hello"))) == 1


def test_since_drops_old_lines(tmp_path) -> None:
    path = tmp_path / "runtime.log"
    path.write_text("2020-01-01T00:00:00.000000Z [lw] ancient\n")
    assert list(read_lines(path, since_seconds=3600)) == []
    assert list(read_lines(path)) == ["2020-01-01T00:00:00.000Z ancient"]


def test_follow_yields_new_lines_until_stopped(tmp_path) -> None:
    sink = LogSink(tmp_path / "runtime.log")
    stop = threading.Event()
    seen: list[str] = []

    def follow() -> None:
        for line in read_lines(sink.path, follow=True, poll_seconds=0.02, stop=stop):
            seen.append(line)

    sink.write("[lw]", "first")
    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.1)
    sink.write("[lw]", "second")
    for _ in range(100):
        if len(seen) == 2:
            break
        time.sleep(0.02)
    stop.set()
    reader.join(2)
    sink.close()
    assert [line.split(" ", 1)[1] for line in seen] == ["first", "second"]


def test_request_line_recognition() -> None:
    assert is_request_line(CLF)
    assert not is_request_line("[ERROR] ValueError: boom")
