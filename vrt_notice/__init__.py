"""Crisis notices: what VRT staff publish during a large incident, and the bot repeats word for word.

- `vrt_notice.notices`: a notice, its validation (`make notice ARGS="publish file.yml"`) and what
  a resident reads from it;
- `vrt_notice.store`: where notices are kept, next to the conversations (the tracker store of
  the endpoints file: SQL tables `notices` and `notice_audit`, or Redis keys `vrt_notice:*`),
  and a short-lived cache of the active ones;
- `vrt_notice.channels`: the pointer or the notice after the bot's answers, and the widget's
  `GET /webhooks/rest/notice`;
- `python -m vrt_notice`: the staff command (publish, list, end, audit).
"""
