"""Custom Rasa NLU components, named in config.yml by their full path
(`vrt.nlu.emergency.EmergencyKeywordClassifier`), so each name points at its file.

Importing this package loads nothing: the action server uses vrt.nlu.text without Rasa's
NLU stack.
"""
