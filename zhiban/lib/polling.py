"""Views that pages call in the background (the board's rows every few seconds, a desk's or an alarm
strip's refresh) say so with `@background_poll`: such a request does not count as the person's
activity, so a screen left polling still ends its session after the idle timeout (MLPS level 3), and
the response is never cached."""

from __future__ import annotations

import functools

from django.utils.cache import add_never_cache_headers


def background_poll(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    wrapped.background_poll = True
    return wrapped


def is_background_poll(view) -> bool:
    return getattr(view, "background_poll", False)


def before_second_factor(view):
    """A page a signed-in person may open before the second factor: the second factor's own pages and
    logging out (org.middleware lets nothing else through)."""
    view.before_second_factor = True
    return view
