""" "What is new since the last update", listed for the newsletter by the app that can search.

The newsletter is the site core and cannot search. The search app registers a `Listings`
from its AppConfig.ready() (search/alerts/apps.py); until one is registered an update's
"what is new" block lists nothing.
"""

from dataclasses import dataclass


@dataclass
class ListedItem:
    title: str
    url: str  # absolute
    type: str  # its kind, in the active language ("Policy brief")
    date: object = None  # datetime.date or None: never invented
    summary: str = ""


class Listings:
    def new_since(self, since, language, topics=(), countries=(), limit=10):
        """ListedItems first published after `since` (None: ever) in `language`, about any
        of `topics` and any of `countries`, newest first."""
        return []


_registered = Listings()


def register(listings):
    global _registered
    _registered = listings


def get_listings():
    return _registered
