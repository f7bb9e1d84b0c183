"""Privacy and input hardening for VRT Assistent.

- redact.py     personal data -> placeholders ("[telefoonnummer]", "[naam]", ...)
- guard.py      checks on a message: clean text, payload allow-list, length cap
- channels.py   Rasa REST and socket.io channels that apply both (credentials.yml)
- retention.py  `make purge` / `make forget`: delete old or one resident's conversations
"""
