"""Decision methods: how a community counts a vote, one pure module per method.

Pure maths, no database and nothing from Django or the apps (CONVENTIONS rule 11): the
callers count ballots out of the database and hand them over as plain values.

* :mod:`.majority`: for / against / abstain with a quorum and a threshold (today's rule,
  computed by :mod:`purposes.tally`; one implementation).
* :mod:`.consent`: passes when the vote closes with the quorum met and no objection
  standing.
* :mod:`.approval`: several options; each ballot approves one or more; most approvals wins.
* :mod:`.ranked`: instant runoff over ranked ballots, round by round.
* :mod:`.score`: each ballot scores each option 0 to 5; the highest total wins.
* :mod:`.ties`: the tie-break by lot, from a seed published before voting opens.

Every method returns a :class:`.result.MethodResult` (outcome, winner, rounds, tie-breaks,
a plain-English explanation); :func:`.result.rounds_csv` turns its rounds into the
downloadable count. A ballot in the wrong shape raises :class:`.result.BallotError` with a
message a member can read.

This package imports none of its modules, so that each can be imported alone.
"""
