import pytest

from tests.worker import real_worker


@pytest.mark.worker
def test_ping_is_executed_by_a_real_worker_through_the_broker(tmp_path):
    with real_worker(tmp_path) as (client, queue):
        result = client.send_task("config.tasks.ping", args=["through the broker"], queue=queue)
        # disable_sync_subtasks: another test may have run an in-process worker, which marks
        # this process as a worker; here it is only the test waiting for its answer.
        assert result.get(timeout=60, disable_sync_subtasks=False) == "through the broker"
