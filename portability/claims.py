"""Claim tokens: how a former member finds their place again in a community imported on
another instance (docs/archive-format.md, "Claim tokens").

The old instance signs one token per former member with the community's Ed25519 key
(``portability.keys``) and emails it; the new instance verifies it with the public key in
the imported archive's manifest. Nobody's account is guessed or matched by name or email:
the token is the only link, and only the person it was sent to has it."""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from community.models import Community
from core.links import absolute_url
from core.text import email_subject
from members.joining import do_join
from members.models import Membership
from portability import keys
from portability.models import ArchiveClaim, ImportedCommunity
from purposes.founding import do_activate_if_quorum

TOKEN_VERSION = 1
TOKEN_LIFETIME = timedelta(days=60)


@dataclass(frozen=True)
class Issued:
    user: object
    token: str
    link: str | None


def former_members(community: Community):
    """Whoever the old home invites to the new one: its current members, and once it is
    dissolved or moved away, also those who left it after that. Deleted accounts are not
    reached."""
    members = Membership.objects.filter(community=community, left_at__isnull=True)
    closed_at = community.dissolved_at if community.is_dissolved else community.moved_at
    if closed_at is not None:
        members = Membership.objects.filter(community=community).filter(
            left_at__isnull=True
        ) | Membership.objects.filter(community=community, left_at__gte=closed_at)
    return (
        members.filter(user__is_active=True).select_related("user").order_by("user_id").distinct()
    )


def issue_token(
    *,
    community: Community,
    user,
    archive_sha256: str,
    now: float | None = None,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> str:
    """The signed claim token of one former member for one archive of the community."""
    now = now if now is not None else time.time()
    return keys.sign(
        community.pk,
        {
            "v": TOKEN_VERSION,
            "archive": archive_sha256,
            "member": keys.member_key(community.pk, user.pk),
            "name": user.shown_name,
            "expires": int(now + lifetime.total_seconds()),
        },
    )


def archive_sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def do_issue_claims(
    *,
    community: Community,
    archive_sha256: str,
    new_home: str = "",
    send: bool = True,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> list[Issued]:
    """Sign a token for each former member with an address and email it to them (the old
    instance's part). ``new_home`` is the community's address on its new instance, if
    known: the email then carries a link to its claim page. Sending again issues fresh
    tokens; the new home accepts one claim per member whichever token they use."""
    issued = []
    for membership in former_members(community):
        user = membership.user
        if not user.email:
            continue
        token = issue_token(
            community=community, user=user, archive_sha256=archive_sha256, lifetime=lifetime
        )
        link = f"{new_home.rstrip('/')}/claim/?token={token}" if new_home else None
        issued.append(Issued(user, token, link))
        if send:
            body = render_to_string(
                "portability/claim_email.txt",
                {
                    "user": user,
                    "community": community,
                    "token": token,
                    "link": link,
                    "lifetime_days": lifetime.days,
                    "old_home": absolute_url(community.get_absolute_url()),
                },
            )
            subject = _("Your place in %(community)s at its new home") % {
                "community": community.name
            }
            EmailMessage(subject=email_subject(subject), body=body, to=[user.email]).send()
    return issued


# --- The new home -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedClaim:
    source: ImportedCommunity
    member_key: str
    public_name: str


def _refuse(message: str, code: str):
    raise ValidationError({"token": message}, code=code)


def verify_claim(*, token: str, community: Community, now: float | None = None) -> VerifiedClaim:
    """The place ``token`` claims in ``community`` (imported here), or a ``ValidationError``
    on ``token`` saying plainly why not."""
    token = "".join((token or "").split())
    if not token:
        _refuse(_("Paste the claim token from your email."), "required")
    payload = keys.payload_unverified(token)
    if payload is None or "archive" not in payload:
        _refuse(
            _("This is not a claim token: copy it whole from the email, or follow its link."),
            "malformed",
        )
    source = ImportedCommunity.objects.filter(community=community).first()
    if source is None:
        _refuse(
            _("%(c)s was not imported from another instance: there is nothing to claim.")
            % {"c": community.name},
            "not_imported",
        )
    if payload["archive"] != source.sha256:
        other = ImportedCommunity.objects.filter(sha256=payload["archive"]).first()
        if other is not None:
            _refuse(
                _("This token is for another community, %(other)s, not %(c)s.")
                % {"other": other.community.name, "c": community.name},
                "other_community",
            )
        _refuse(
            _("This token is for an archive this instance has not imported, not for %(c)s.")
            % {"c": community.name},
            "other_archive",
        )
    public = (source.manifest.get("claim_key") or {}).get("public_key")
    payload = keys.verify(token, public) if public else None
    if payload is None or payload.get("v") != TOKEN_VERSION:
        _refuse(
            _("This token was not signed by %(c)s’s old home: it was changed or made up.")
            % {"c": community.name},
            "bad_signature",
        )
    now = now if now is not None else time.time()
    if not isinstance(payload.get("expires"), int) or payload["expires"] < now:
        _refuse(
            _(
                "This token has expired. Ask the old home for a new one (its staff can send "
                "them again)."
            ),
            "expired",
        )
    return VerifiedClaim(source, str(payload["member"]), str(payload["name"])[:150])


def check_claim_place(*, actor, community: Community, token: str) -> ArchiveClaim:
    """Claim the place a token names: one account per place, one place per account."""
    claim = verify_claim(token=token, community=community)
    mine = ArchiveClaim.objects.filter(source=claim.source, user=actor).first()
    if mine is not None:
        if mine.member_key == claim.member_key:
            _refuse(
                _("You have already claimed this place, as %(name)s.") % {"name": mine.public_name},
                "claimed_twice",
            )
        _refuse(
            _(
                "You have already claimed a place in %(c)s, as %(name)s: one account takes "
                "one place."
            )
            % {"c": community.name, "name": mine.public_name},
            "second_place",
        )
    if ArchiveClaim.objects.filter(source=claim.source, member_key=claim.member_key).exists():
        _refuse(
            _(
                "This token was used already, by another account. If that was not you, "
                "write to this instance’s staff."
            ),
            "reused",
        )
    return do_claim_place(actor=actor, claim=claim)


def do_claim_place(*, actor, claim: VerifiedClaim) -> ArchiveClaim:
    """Record the claim; the unique constraints settle two claims at once."""
    try:
        with transaction.atomic():
            return ArchiveClaim.objects.create(
                source=claim.source,
                member_key=claim.member_key,
                public_name=claim.public_name,
                user=actor,
            )
    except IntegrityError:
        _refuse(_("This place, or a place for your account, was claimed a moment ago."), "race")


def check_accept_place(*, actor, community: Community, affirmed: bool) -> Membership:
    """A claimant takes up the invitation their claim is: they join the forming community
    as a founder, endorsing its charter (which may make it active). Their own act (R1)."""
    source = ImportedCommunity.objects.filter(community=community).first()
    if source is None or not ArchiveClaim.objects.filter(source=source, user=actor).exists():
        raise ValidationError(
            _("Claim your place first, with the token from your email."), code="no_claim"
        )
    if not affirmed:
        raise ValidationError(
            _("Joining means affirming the purpose: tick “I affirm this purpose” to go on."),
            code="not_affirmed",
        )
    membership = do_join(user=actor, community=community, claimed=True)
    if community.is_forming:
        do_activate_if_quorum(community=community)
    return membership
