"""Text normalisation shared by the keyword components."""
import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics: 'Gaslucht in ÉÉN huis' -> 'gaslucht in een huis'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
