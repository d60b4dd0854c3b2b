from django import template

register = template.Library()


@register.filter
def stars(value) -> str:
    """★ repeated by the rating, or an em dash when unrated."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return "—"
    return "★" * n if 1 <= n <= 5 else "—"
