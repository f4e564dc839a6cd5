"""Views of the members app, one module per page area: joining (join, leave, the member
list), applications, invitations, profiles (and pictures), accounts (one's own data,
the platform log).

Every view acts for ``request.user`` only: no view takes another user to add, remove or
change (R1). Shape: parse → access → action → render.
"""
