"""`rasa` without the libraries' start-up noise, for `make shell` (and make report).

PYTHONWARNINGS (scripts/common.sh) asks to ignore DeprecationWarning, but libraries turn
them back on (Sanic: `filterwarnings("once", category=DeprecationWarning)` on import), so
staff scrolled past some twenty of them. Drop deprecation warnings raised inside installed
packages, and spaCy's INFO lines; Rasa's and the project's own warnings and log lines
(such as the offline spaCy pipeline notice) still show.
"""
import logging
import sys
import warnings

_show_warning = warnings.showwarning


def _show_unless_library_deprecation(message, category, filename, lineno, file=None, line=None):
    # Raised in an installed package, or by the import system on a package's behalf.
    if issubclass(category, DeprecationWarning) and (
        "site-packages" in str(filename) or str(filename).startswith("<frozen ")
    ):
        return
    _show_warning(message, category, filename, lineno, file, line)


def quiet_libraries() -> None:
    warnings.showwarning = _show_unless_library_deprecation
    logging.getLogger("spacy").setLevel(logging.WARNING)


if __name__ == "__main__":
    quiet_libraries()
    from rasa.__main__ import main

    sys.exit(main())
