from celery import shared_task

from portability import building, moving


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_community_archive(build_id: int) -> str | None:
    """Build a member-requested archive (``building.do_build_archive``).

    Idempotent: a build already finished is left alone, so a redelivery after the worker
    died builds it once more at most and keeps one result."""
    build = building.do_build_archive(build_id=build_id)
    return build.state if build is not None else None


@shared_task
def hand_over_moved_communities() -> int:
    """For each community moved to another home whose handoff is not finished: build its
    archive and send the claim tokens (``moving.do_hand_over``).

    Idempotent: a sweep of database state; a finished handoff is never done again."""
    done = 0
    for community_id in moving.pending_moves():
        handoff = moving.do_hand_over(community_id=community_id)
        done += bool(handoff and handoff.claims_sent_at)
    return done
