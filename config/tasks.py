from celery import shared_task


@shared_task(ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def ping(value: str = "pong") -> str:
    """Echo back: proves a message went through the broker to a worker.

    Idempotent: it changes nothing.
    """
    return value
