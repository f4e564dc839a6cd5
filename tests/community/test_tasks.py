import pytest

from tests.worker import real_worker


@pytest.mark.worker
def test_ping_is_executed_by_a_real_worker_through_the_broker(tmp_path):
    with real_worker(tmp_path) as (client, queue):
        result = client.send_task("community.tasks.ping", args=["through the broker"], queue=queue)
        assert result.get(timeout=60) == "through the broker"
