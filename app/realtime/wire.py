"""One encoded frame, written to every live socket of a board: the cheap fan-out path.

Sending one event to 500 sockets through ASGI costs, per socket, a task wake-up, the
ASGI send chain (Starlette's exception wrappers, uvicorn's ``send``), a UTF-8 encode and
a frame serialisation: about 30 µs each, 15 ms of event loop per event, during which a
person's card move waits. A server's frames are not masked, so without per-message
compression a frame's bytes are the same for every socket: the hub encodes each event's
frame once (per view) and hands the bytes to each caught-up socket's transport.

:class:`FrameProtocol` is uvicorn's sans-I/O websocket protocol with one addition: it
offers ``scope["extensions"]["swarmboard.frames"]["write"]``, which writes a complete,
pre-encoded frame when the connection is open, has room in its write buffer (uvicorn's
own flow control) and negotiated no extension. ``swarmboard serve`` runs it; under any
other server (or ``--ws`` choice) the extension is absent and every event takes the
ordinary ASGI path, with the same ordering and limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

__all__ = ["EXTENSION", "FrameProtocol", "FrameWriter", "frame_writer", "text_frame"]

EXTENSION = "swarmboard.frames"
# Writes one complete frame; False when it could not (the caller queues instead).
FrameWriter = Callable[[bytes], bool]


def text_frame(text: str) -> bytes:
    """The bytes of one unmasked, uncompressed text frame holding ``text``."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def frame_writer(scope: Mapping[str, Any]) -> FrameWriter | None:
    """The connection's frame writer, when its server offers one."""
    extension = scope.get("extensions", {}).get(EXTENSION)
    if not extension:
        return None
    write: FrameWriter = extension["write"]
    return write


class FrameProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, able to take a whole pre-encoded frame."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        # Only an accepted upgrade has a scope; a compressed connection needs its own
        # frames (its compressor's state differs per socket).
        if scope is not None and not self.conn.extensions:
            scope["extensions"][EXTENSION] = {"write": self.write_frame}

    def write_frame(self, frame: bytes) -> bool:
        """Write ``frame`` now, or return False (closing, or the client reads too slowly)."""
        if (
            self.close_sent
            or not self.handshake_complete
            or self.conn.state is not State.OPEN
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
