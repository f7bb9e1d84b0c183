"""make report: read the tracker store and show staff where the bot fails (see README)."""
