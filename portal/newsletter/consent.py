"""The consent a subscriber gives, by version.

Each subscriber record keeps the version and the exact text they agreed to.
When the wording changes, add a new version here and make it CURRENT: old
records keep the text they consented to.
"""

TEXTS = {
    "2026-11": (
        "I agree that the TRAction Project may email me updates about its research, "
        "publications and events. The portal keeps my email address, the details I give here "
        "and the dates I signed up, confirmed and unsubscribed, to send these updates and "
        "nothing else, and shares them only with the service that sends the emails. "
        "Every email has a link to unsubscribe at once."
    ),
}
CURRENT = "2026-11"


def current_text():
    return TEXTS[CURRENT]
