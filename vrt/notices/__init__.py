"""Crisis notices: what VRT staff publish during a large incident, and the bot repeats word for word.

- `vrt.notices.notices`: a notice, its validation (`make notice ARGS="publish file.yml"`) and what
  a resident reads from it;
- `vrt.notices.store`: where notices are kept, next to the conversations (the tracker store of
  the endpoints file: SQL tables `notices` and `notice_audit`, or Redis keys `vrt/notices:*`),
  and a short-lived cache of the active ones;
- `vrt.channels.notices`: the pointer or the notice after the bot's answers, and the widget's
  `GET /webhooks/rest/notice`;
- `python -m vrt.notices`: the staff command (publish, list, end, audit).
"""
