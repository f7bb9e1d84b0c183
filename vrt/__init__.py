"""VRT Assistent: the code the Rasa server, the action server and the staff commands run.

Split the way Rasa splits itself (README, "Layout"):

- vrt.nlu       NLU components named in config.yml
- vrt.core      the dialogue policy, the NLG, the tracker store (endpoints.yml)
- vrt.channels  the REST and socket.io channels (credentials.yml) and the steps of a turn
- vrt.privacy   redaction, the message guard, retention (make purge / make forget)
- vrt.notices   crisis notices (make notice)
- vrt.report    the staff report (make report)
- vrt.ops       starting servers: the cluster, nginx, PostgreSQL and Redis, the widget page
"""
