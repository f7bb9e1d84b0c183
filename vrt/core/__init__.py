"""What the Rasa server does when a part fails (README, "When a part fails").

* tracker_store: the SQL tracker store without Rasa's silent fall-back to memory;
* sqlite_file: the start-up check of the SQLite file (also run by scripts/run.sh);
* channels: the REST and socket.io channels, which never leave a resident without a reply.
"""
