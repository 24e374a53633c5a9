"""SPDY/3.1 framing as kubectl's port-forward tunnel needs it: frames cut anywhere across
WebSocket messages come out whole, header blocks share one zlib stream per direction, and the
dictionary is the spec's (its zlib id is what every SPDY/3 peer expects)."""
from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from clusterviz.kubeapi import spdy


def test_the_dictionary_is_spdy3s() -> None:
    assert len(spdy.DICTIONARY) == 1423
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b",enq=0.")
    # the dictionary id a peer's inflate checks (the Adler-32 of the dictionary)
    assert zlib.adler32(spdy.DICTIONARY) == 0xE3C6A7C2


def frames_out(writer: spdy.FrameWriter) -> bytes:
    return (writer.syn_stream(1, {"streamtype": "error", "port": "8080", "requestid": "0"}, fin=True)
            + writer.syn_stream(3, {"streamtype": "data", "port": "8080", "requestid": "0"})
            + writer.data(3, b"GET / HTTP/1.1\r\n\r\n") + writer.ping(5) + writer.data(3, b"", fin=True)
            + writer.syn_stream(5, {"streamtype": "error", "port": "8080", "requestid": "1"}, fin=True))


@given(st.lists(st.integers(min_value=1, max_value=40), max_size=20))
def test_frames_cut_anywhere_come_out_whole(cuts) -> None:
    wire = frames_out(spdy.FrameWriter())
    reader = spdy.FrameReader()
    frames, at = [], 0
    for size in cuts:
        frames += reader.feed(wire[at:at + size])
        at += size
    frames += reader.feed(wire[at:])
    assert [(f.type, f.stream_id, f.fin) for f in frames] == [
        (spdy.SYN_STREAM, 1, True), (spdy.SYN_STREAM, 3, False), (0, 3, False), (spdy.PING, 0, False), (0, 3, True),
        (spdy.SYN_STREAM, 5, True)]
    assert frames[0].headers == {"streamtype": "error", "port": "8080", "requestid": "0"}
    assert frames[5].headers["requestid"] == "1"  # the second block inflates with the first's context
    assert frames[2].payload == b"GET / HTTP/1.1\r\n\r\n"


def test_another_version_is_refused() -> None:
    frame = b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01"  # a SPDY/2 PING
    try:
        spdy.FrameReader().feed(frame)
    except ValueError as exc:
        assert "unsupported SPDY version 2" in str(exc)
    else:
        raise AssertionError("a SPDY/2 frame was accepted")
