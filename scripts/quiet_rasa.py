"""`rasa` without the libraries' deprecation warnings, for `make shell`.

PYTHONWARNINGS (scripts/common.sh) already ignores DeprecationWarning, but Sanic turns it
back on when it is imported (`filterwarnings("once", category=DeprecationWarning)`), and
every library imported after it then prints its warnings. Import Sanic first, ignore them
again, then run Rasa's own command line. Rasa's and the project's warnings and log lines
(such as the offline spaCy pipeline notice) are untouched.
"""
import sys
import warnings


def quiet_library_warnings() -> None:
    """Ignore DeprecationWarnings for good: after Sanic's import has turned them on."""
    import sanic  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning)


if __name__ == "__main__":
    quiet_library_warnings()
    from rasa.__main__ import main

    sys.exit(main())
