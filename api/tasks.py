"""The worker's webhook jobs (on the mail queue, beside the notification emails)."""

from celery import shared_task

from api import deliveries


@shared_task(acks_late=True)
def sweep_webhooks() -> int:
    """Every minute: record a delivery per new event of each live subscription, then hand
    every delivery due (first tries and retries whose backoff ended) to ``deliver_webhook``.
    Idempotent: events are recorded once each (a unique constraint), and a delivery
    enqueued twice is sent once (``deliver_webhook``'s claim)."""
    deliveries.do_collect_events()
    due = deliveries.due_ids()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at one delivery. Idempotent: it claims the delivery first, so a second
    run (or a run for a delivery already sent, or not yet due) sends nothing."""
    return deliveries.do_attempt(delivery_id=delivery_id)
