"""An appeal case shared by the appeal and jury tests."""

from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.review import check_review_post
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    moderator_membership,
    thread_with_post,
)


class Case:
    """A community with a moderator, an author, three flaggers and ``others`` bystanders;
    the author's post kept hidden by the moderator."""

    def __init__(self, others=7):
        self.community = CommunityFactory(slug="orchard")
        self.mod = moderator_membership(self.community).user
        self.author = MembershipFactory(community=self.community, founder=True).user
        self.flaggers = [
            MembershipFactory(community=self.community, founder=True).user for _ in range(3)
        ]
        self.others = [
            MembershipFactory(community=self.community, founder=True).user for _ in range(others)
        ]
        _t, self.post = thread_with_post(community=self.community, author=self.author)
        for user in self.flaggers:
            check_flag_post(actor=user, post=self.post, reason="spam")
        self.decision = check_review_post(
            actor=self.mod, post=self.post, decision="keep_hidden", reason="Advertising"
        )

    def appeal(self, statement="It was a recipe, not an ad."):
        return check_file_appeal(actor=self.author, decision=self.decision, statement=statement)


def seats(appeal, state=None):
    rows = appeal.jurors.all()
    return list(rows.filter(state=state) if state else rows)
