"""The embedded-mode broker: kombu's file-system transport with atomic message writes.

kombu's own ``_put`` creates the message file under its final name and then writes it, so
a worker polling the folder can pick up an empty file and fail to decode it (seen as a
flaky "empty message" in this project's worker tests). Here each message is written to a
hidden temporary name that the reader ignores and then renamed into place, which is atomic
on POSIX file systems. Everything else is kombu's. Registered as the ``fsq://`` transport.
"""

from __future__ import annotations

import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "fsq"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The reader only takes names ending in ".<queue>.msg"; this one never does.
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = driver_name = SCHEME


def register() -> None:
    TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
