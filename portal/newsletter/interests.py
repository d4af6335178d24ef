"""What a reader can ask to hear about, handed to the newsletter by the app that owns it.

The newsletter is part of the site core and knows no content models. The taxonomy's app
registers an `Interests` from its AppConfig.ready() (research/newsletter.py); until one is
registered, the signup form offers no topics or countries and tags carry the stored codes.
"""


class Interests:
    """The do-nothing default. Choices are (value, label) pairs in display order."""

    def topics(self):
        return []

    def countries(self):
        return []

    def topic_names(self, slugs):
        """{slug: name} for these topic slugs (unknown ones left out)."""
        return {}

    def country_names(self, codes):
        """{code: name} for these country codes (unknown ones left out)."""
        return {}


_registered = Interests()


def register(interests):
    """Make `interests` the source of the signup form's choices and the provider's tags."""
    global _registered
    _registered = interests


def get_interests():
    return _registered
