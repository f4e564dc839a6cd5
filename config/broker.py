"""The embedded broker: kombu's filesystem transport, with whole-file writes.

kombu writes a message file in place (open, lock, write), but a reader takes files
without the lock: it moves the newest name out of the folder and parses it. A worker
that meets a file mid-write reads half a message, and a JSONDecodeError there is
"Unrecoverable": the worker exits. The same holds for a new exchange table (created
empty, then filled). Here every file appears under its final name only once whole:
written to a hidden temporary name in the same folder, then renamed (atomic on POSIX).
"""

import os
import tempfile
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


def _write_whole(folder: str, payload: bytes) -> str:
    """Write payload to a new hidden file in folder (fsynced); return its path. Readers
    skip it: kombu only takes names of the form "<time>_<uuid>.<queue>.msg"."""
    descriptor, path = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        os.unlink(path)
        raise
    return path


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put a message onto queue: the file appears under its name whole, or not at all."""
        filename = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            partial = _write_whole(self.data_folder_out, str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, filename))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {filename!r} to directory") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """Create a missing exchange table whole (a hard link fails if another process
        created it first; kombu's locked update then adds this queue to theirs)."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        if not file.exists():
            row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
            partial = _write_whole(str(self.control_folder), str_to_bytes(dumps([row])))
            try:
                os.link(partial, file)
                return
            except FileExistsError:
                pass
            finally:
                os.unlink(partial)
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make "filesystem://" mean this transport in this process (community/celery.py calls
    it), for the web, the worker, beat and the tests' own clients alike."""
    TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"
