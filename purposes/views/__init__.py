"""Views of the purposes app, one module per area: charters (the charter, affirming it,
its history), proposals (drafting, seconds, votes), founding (founding a community, its
founding charter while it forms, offshoots)."""
