"""The embedded broker (Celery's filesystem transport, as Commons configures it) must
never hand a reader half a message: kombu's own transport writes the message file in
place, so a worker polling the folder could move and parse a file still being written,
and die of a JSONDecodeError ("Unrecoverable error")."""

import threading
from queue import Empty

from kombu import Connection

import config.celery  # noqa: F401  (makes "filesystem://" the embedded transport)


def _embedded_connection(folder, control) -> Connection:
    """A connection to the embedded default's broker (what "filesystem://" means once
    Commons' Celery app is loaded), on the test's own folders."""
    return Connection(
        "filesystem://",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(control),
        },
    )


def test_filesystem_transport_finding_1_reader_never_sees_a_partly_written_message(tmp_path):
    messages = 30
    body = "x" * 3_000_000  # a few MB: each write lasts long enough for a reader to meet it
    folder = tmp_path / "queue"
    folder.mkdir()
    received: list[dict] = []
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def read(channel) -> None:
        while len(received) < messages and (writing.is_set() or channel._size("jobs")):
            try:
                received.append(channel._get("jobs"))
            except Empty:
                continue
            except Exception as exc:  # the JSONDecodeError a worker dies of
                errors.append(exc)
                return

    with (
        _embedded_connection(folder, tmp_path / "control") as writer_conn,
        _embedded_connection(folder, tmp_path / "control") as reader_conn,
    ):
        reader = threading.Thread(target=read, args=(reader_conn.default_channel,))
        reader.start()
        for number in range(messages):
            writer_conn.default_channel._put("jobs", {"number": number, "body": body})
        writing.clear()
        reader.join(timeout=60)

    assert errors == []
    assert sorted(m["number"] for m in received) == list(range(messages))
    assert all(m["body"] == body for m in received)


def test_filesystem_transport_finding_1_exchange_table_never_read_empty(tmp_path):
    """Binding a queue creates the exchange's table file; a reader (a worker routing a
    broadcast) must find either no table or a whole one, never an empty file."""
    folder = tmp_path / "queue"
    folder.mkdir()
    errors: list[BaseException] = []
    with (
        _embedded_connection(folder, tmp_path / "control") as writer_conn,
        _embedded_connection(folder, tmp_path / "control") as reader_conn,
    ):
        binder, reader = writer_conn.default_channel, reader_conn.default_channel
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                for number in range(200):
                    try:
                        reader.get_table(f"exchange-{number}")
                    except Exception as exc:
                        errors.append(exc)
                        return

        thread = threading.Thread(target=read)
        thread.start()
        for number in range(200):
            binder._queue_bind(f"exchange-{number}", "key", "", f"queue-{number}")
        stop.set()
        thread.join(timeout=30)

    assert errors == []
