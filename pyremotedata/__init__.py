"""pyremotedata: stream remote datasets over SFTP with lftp (drop-in for pyremotedata 0.1.13).

    from pyremotedata.implicit_mount import IOHandler, RemotePathIterator

    with IOHandler(user="me", remote="io.erda.au.dk") as io:
        for local_path, remote_path in RemotePathIterator(io, batch_size=64):
            ...

This module only sets up logging, as upstream's did: everything goes to the
``pyremotedata`` logger (DEBUG when ``$DEBUG`` is set), nothing is printed.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional, TextIO

__version__ = "0.2.0"

#: Marker upstream used in log messages to ask for an in-place (carriage return) update.
ESC_EOL = "[!n]"
#: ANSI sequence that clears the current terminal line.
CLEAR_LINE = "\r\x1b[K"


class MStreamHandler(logging.StreamHandler):
    """A stream handler that turns a trailing ``ESC_EOL`` into an in-place line update."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        super().__init__(stream if stream is not None else sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            if message.endswith(ESC_EOL):
                self.stream.write(CLEAR_LINE + message[: -len(ESC_EOL)])
            else:
                self.stream.write(message + self.terminator)
            self.flush()
        except Exception:  # logging must never raise into the caller
            self.handleError(record)


class MFileHandler(logging.FileHandler):
    """A file handler that drops the ``ESC_EOL`` marker (files have no line to update)."""

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.endswith(ESC_EOL):
            record.msg = record.msg[: -len(ESC_EOL)]
        super().emit(record)


main_logger = logging.getLogger("pyremotedata")
module_logger = main_logger
main_logger.addHandler(logging.NullHandler())

if os.environ.get("DEBUG"):
    main_logger.setLevel(logging.DEBUG)
    _stream_handler = MStreamHandler()
    _stream_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    main_logger.addHandler(_stream_handler)
    if os.path.isdir("logs"):
        main_logger.addHandler(MFileHandler(os.path.join("logs", "pyremotedata.log")))

__all__ = ["ESC_EOL", "CLEAR_LINE", "MStreamHandler", "MFileHandler", "main_logger", "module_logger",
           "__version__"]
