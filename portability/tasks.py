from celery import shared_task

from portability import building


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_community_archive(build_id: int) -> str | None:
    """Build a member-requested archive (``building.do_build_archive``).

    Idempotent: a build already finished is left alone, so a redelivery after the worker
    died builds it once more at most and keeps one result."""
    build = building.do_build_archive(build_id=build_id)
    return build.state if build is not None else None
