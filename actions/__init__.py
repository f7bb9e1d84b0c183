"""Custom actions for VRT Assistent (run with `rasa run actions`)."""
