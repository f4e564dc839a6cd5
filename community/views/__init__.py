"""Views of the community app, one module per area: site (front page, health, errors),
communities (directory, home), threads (discussion)."""
