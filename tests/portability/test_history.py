"""Shaping an imported archive's records for reading (pure: no database)."""

from portability import history


def reply(number, parent, depth, author="Ann"):
    data = {"parent": parent, "depth": depth, "author": author, "body": f"Post {number}"}
    return history.post(number, data)


def test_nest_opens_a_level_per_reply_and_closes_back_to_the_next_ones_parent():
    posts = [reply(2, 1, 1), reply(3, 2, 2), reply(4, 3, 3), reply(5, 1, 1), reply(6, 5, 2)]
    history.nest(posts, max_level=8, authors={})
    assert [len(p.closes) for p in posts] == [0, 0, 3, 0, 2]
    assert all(p.answers is None for p in posts)
    assert [p.position for p in posts] == [1, 2, 3, 4, 5]


def test_nest_keeps_replies_past_the_deepest_level_beside_their_parent_saying_whom():
    chain = [reply(n, n - 1, n - 1, author=f"P{n}") for n in range(2, 7)]  # depths 1..5
    authors = {p.number: p.author for p in chain}
    history.nest(chain, max_level=3, authors=authors)
    # Levels 1, 2, 3, then 3 again (beside its parent), each then saying whom it answers.
    assert [len(p.closes) for p in chain] == [0, 0, 1, 1, 3]
    assert [p.answers for p in chain] == [None, None, None, 4, 5]
    assert chain[3].in_reply_to.shown_name == "P4" and chain[3].answers_shown


def test_nest_of_a_page_that_starts_inside_a_branch_says_whom_its_first_replies_answer():
    posts = [reply(40, 39, 3), reply(41, 40, 4), reply(42, 1, 1)]
    history.nest(posts, max_level=8, authors={39: history.Person("Bo")}, start=7)
    assert posts[0].answers == 39 and posts[0].in_reply_to.shown_name == "Bo"
    assert not posts[0].answers_shown  # on an earlier page: no link
    assert posts[1].answers is None  # under its parent
    assert posts[2].answers is None  # a reply to the opening post, as on a live thread
    assert [p.position for p in posts] == [7, 8, 9]


def test_cut_at_branch_ends_a_page_at_a_whole_top_level_branch():
    rows = [reply(2, 1, 1), reply(3, 2, 2), reply(4, 1, 1), reply(5, 4, 2), reply(6, 5, 3)]
    page, more = history.cut_at_branch(rows, 4)
    assert [p.number for p in page] == [2, 3] and more
    alone = [reply(2, 1, 1), reply(3, 2, 2), reply(4, 3, 3)]
    assert [p.number for p in history.cut_at_branch(alone, 2)[0]] == [2, 3]
    assert history.cut_at_branch(rows, 5) == (rows, False)


def test_post_never_shows_text_it_was_not_given_and_says_why():
    hidden = history.post(3, {"body": None, "withheld": "hidden", "moderation_reason": "Rude"})
    assert hidden.withheld == "hidden" and hidden.reason == "Rude" and hidden.body_html == ""
    # A record with text and a reason to withhold it still shows no text.
    both = history.post(4, {"body": "secret", "withheld": "taken_down"})
    assert both.body is None and both.body_html == ""
    odd = history.post(5, {"body": None, "withheld": None})
    assert odd.withheld == "other"
    unknown = history.post(6, {"body": "x", "withheld": "something new"})
    assert unknown.withheld == "other" and unknown.body is None


def test_post_body_is_rendered_by_the_safe_renderer_without_raw_html():
    post = history.post(2, {"body": "**Hi** <img src=x onerror=alert(1)> @ann"})
    assert "<strong>Hi</strong>" in post.body_html
    assert "<img" not in post.body_html and "mention" not in post.body_html


def test_count_reads_a_stored_result_and_ballot_words_name_the_options():
    stored = {
        "explanation": "Alt 1 is chosen.",
        "cast": 3,
        "quorum": 1,
        "electorate": {"size": 4, "active": 4},
        "rounds": [
            {
                "number": 1,
                "counts": [["proposal", 1], ["alt-1", 2]],
                "exhausted": 0,
                "eliminated": ["proposal"],
                "elected": "alt-1",
            },
        ],  # fmt: skip
        "labels": [["proposal", "The proposal"], ["alt-1", "Option 1"]],
    }
    count = history.count(stored)
    assert count.explanation == "Alt 1 is chosen." and count.electorate == 4
    assert count.rounds[0].lines == [("The proposal", 1, "eliminated"), ("Option 1", 2, "elected")]
    ranked = {"choice": "ballot", "content": ["alt-1", "proposal"]}
    assert history.ballot_words(ranked, count.labels) == "Option 1, The proposal"
    scored = {"choice": "ballot", "content": {"alt-1": 5}}
    assert history.ballot_words(scored, count.labels) == "Option 1: 5"
    assert history.ballot_words({"choice": "for", "content": None}, {}) == "for"
    assert history.count("not a count") is None and history.count({"rounds": ["odd"]}).rounds == []
