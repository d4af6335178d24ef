"""The consent a subscriber gives, by version and language.

Each subscriber record keeps the version, the language and the exact text they agreed to.
When the wording changes, add a new version here, in every language of settings.LANGUAGES,
and make it CURRENT: old records keep the text they consented to. The texts live here, not
in the translation catalogues, because they are a record: a catalogue update must never
change what someone agreed to.
"""

from django.conf import settings
from django.utils import translation

TEXTS = {
    "2026-11": {
        "en": (
            "I agree that the TRAction Project may email me updates about its research, "
            "publications and events. The portal keeps my email address, the details I give "
            "here and the dates I signed up, confirmed and unsubscribed, to send these updates "
            "and nothing else, and shares them only with the service that sends the emails. "
            "Every email has a link to unsubscribe at once."
        ),
        # Translation of the English text above (the version's original), kept as faithful
        # to it as French allows.
        "fr": (
            "J'accepte que le projet TRAction m'envoie par e-mail des nouvelles de ses "
            "recherches, de ses publications et de ses événements. Le portail conserve mon "
            "adresse e-mail, les informations que je donne ici et les dates de mon inscription, "
            "de ma confirmation et de ma désinscription, uniquement pour m'envoyer ces "
            "nouvelles, et ne les communique qu'au service qui envoie les e-mails. Chaque "
            "e-mail contient un lien pour me désinscrire immédiatement."
        ),
        # Translation of the English text above, in European Portuguese (as written in
        # Mozambique), kept as faithful to it as Portuguese allows.
        "pt": (
            "Aceito que o Projeto TRAction me envie por e-mail notícias sobre a sua "
            "investigação, publicações e eventos. O portal guarda o meu endereço de e-mail, os "
            "dados que aqui indico e as datas da minha inscrição, da confirmação e do "
            "cancelamento, apenas para me enviar estas notícias, e partilha-os só com o "
            "serviço que envia os e-mails. Cada e-mail tem uma ligação para cancelar a "
            "inscrição de imediato."
        ),
    },
}
CURRENT = "2026-11"


def language_of(language=None):
    """The language whose text a reader of `language` (default: the active one) is shown: their
    own when the current version has it, else the site's default language."""
    code = (language or translation.get_language() or "").lower()
    return code if code in TEXTS[CURRENT] else settings.LANGUAGE_CODE


def text(version, language):
    """The exact text of `version` in `language`, or "" for a version or language not declared."""
    return TEXTS.get(version, {}).get(language, "")


def current_text(language=None):
    """The current version's text for a reader of `language` (default: the active language)."""
    return text(CURRENT, language_of(language))
