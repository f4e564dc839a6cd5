"""Template tags for the parts of a page that are each member's own (``core.pagecache``)."""

from django import template

from core import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def member_site_nav(context):
    """A member's site navigation (their name and unread count) as a hole."""
    return pagecache.hole(context["request"], "site-nav")


class _SectionNode(template.Node):
    def __init__(self, name, arg, nodelist):
        self.name, self.arg, self.nodelist = name, arg, nodelist

    def render(self, context):
        request = context.get("request")
        if request is None or not request.user.is_authenticated:
            return ""
        content = self.nodelist.render(context)
        return pagecache.section(
            request, self.name.resolve(context), str(self.arg.resolve(context)), content
        )


@register.tag
def member_section(parser, token):
    """``{% member_section "name" arg %}…{% endmember_section %}``: content only the
    members whose ``name`` keeper keeps ``arg`` see (``core.pagecache.section``); nothing
    for anonymous readers."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and an argument")
    nodelist = parser.parse(("endmember_section",))
    parser.delete_first_token()
    return _SectionNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)
