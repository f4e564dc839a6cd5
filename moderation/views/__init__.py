"""Moderation pages, one module per concern: the log and the queue (log), flagging a post
(flags), reviewing it (review), suspending a member (suspensions), appeals and their
juries (appeals), and the staff takedown (takedowns).

Shape: parse → access → action → render. Reading follows the community's visibility
(``access_community``: the log is public in public communities, members-only otherwise);
every write goes through a moderation action, which refuses what a role may not do, and a
refusal is answered by ``common.refuse``.
"""
