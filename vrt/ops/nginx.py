"""Fills in deploy/nginx/vrt.conf.template from environment variables.

    python -m vrt.ops.nginx --out DIR      # writes DIR/nginx.conf, DIR/busy.json, DIR/too-many.json

Variables (all optional):
  VRT_RASA_SERVERS      Rasa servers, host:port separated by spaces (127.0.0.1:5005)
  VRT_ACTION_SERVERS    action servers, host:port separated by spaces (127.0.0.1:5055)
  VRT_NGINX_LISTEN      where residents connect (127.0.0.1:8088; 80 in a container)
  VRT_NGINX_ACTIONS_LISTEN  where the Rasa servers reach the action servers (127.0.0.1:5056)
  VRT_NGINX_MAX_CONNS   REST requests in flight per Rasa server before the busy answer (8)
  VRT_NGINX_READ_TIMEOUT  longest wait for a Rasa answer before the busy answer (10s)
  VRT_NGINX_WORKERS     nginx worker processes (auto)
  VRT_NGINX_USER        user (and group) of the workers when nginx starts as root (www-data);
                        make run-cluster sets the user who starts it
  VRT_NGINX_RATE        requests per client address on the REST webhook and socket.io (5r/s)
  VRT_NGINX_BURST       requests above that rate a client may send at once (20)
  VRT_NGINX_CONNS_PER_CLIENT  REST requests in flight per client address (4)
  VRT_NGINX_REAL_IP_FROM  trusted proxies in front of nginx (addresses or CIDR ranges separated
                        by spaces): only from these is X-Forwarded-For taken as the client address
  VRT_NGINX_DIR         pid file, temp files and busy.json (the --out folder)
  VRT_NGINX_ERROR_LOG, VRT_NGINX_ACCESS_LOG   (DIR/error.log, DIR/access.log)
  VRT_WEB_ROOT          the widget's files (web/ of this project)
  VRT_CORS_ORIGINS      origins, separated by spaces, that may read the busy answer in a browser

The busy answer is the text of the response utter_storing_druk in domain.yml, in the shape of
the REST channel's answer: [{"recipient_id": null, "text": "..."}] with HTTP 503. nginx cannot
read the sender from the request body, so recipient_id is null. The answer to a client above
its rate (HTTP 429) is utter_te_veel_berichten in the same shape.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
from pathlib import Path
from typing import Dict, Mapping

import yaml

from vrt.nlu.language import every_variation
from vrt.paths import ROOT  # noqa: E402

TEMPLATE = ROOT / "deploy" / "nginx" / "vrt.conf.template"
BUSY_RESPONSE = "utter_storing_druk"
TOO_MANY_RESPONSE = "utter_te_veel_berichten"
# ${VRT_...}: an environment variable; {{...}}: lines made from them.
PLACEHOLDER = re.compile(r"\$\{(VRT_[A-Z0-9_]+)\}|\{\{([a-z_]+)\}\}")
RATE = re.compile(r"[1-9][0-9]*r/[sm]")


def busy_answer(domain: Path = ROOT / "domain.yml") -> list:
    """The REST-shaped body nginx sends when every Rasa server is busy."""
    return nginx_answer(BUSY_RESPONSE, domain)


def too_many_answer(domain: Path = ROOT / "domain.yml") -> list:
    """The REST-shaped body nginx sends to a client address above its rate (HTTP 429)."""
    return nginx_answer(TOO_MANY_RESPONSE, domain)


def nginx_answer(response: str, domain: Path = ROOT / "domain.yml") -> list:
    """Every variation of the response (Dutch, then English with its `lang`), as nginx cannot
    know the resident's language."""
    responses = yaml.safe_load(domain.read_text())["responses"]
    return [{"recipient_id": None, **reply} for reply in every_variation(responses, response)]


def upstream_lines(addresses: str, parameters: str = "") -> str:
    servers = addresses.split()
    if not servers:
        raise ValueError("an upstream needs at least one host:port")
    return "\n".join(f"    server {address}{parameters};" for address in servers)


def real_ip_lines(trusted: str) -> str:
    """realip: the client address from X-Forwarded-For, only on connections from `trusted`
    proxies (anyone else could name any address there and so escape the limit per client)."""
    proxies = trusted.split()
    if not proxies:
        return "  # No trusted proxy (VRT_NGINX_REAL_IP_FROM): X-Forwarded-For is ignored."
    for proxy in proxies:
        if not proxy.startswith("unix:"):
            ipaddress.ip_network(proxy, strict=False)  # ValueError on anything else
    lines = [f"  set_real_ip_from {proxy};" for proxy in proxies]
    # recursive: the last address in X-Forwarded-For that is not a trusted proxy.
    return "\n".join(lines + ["  real_ip_header X-Forwarded-For;", "  real_ip_recursive on;"])


def values(env: Mapping[str, str], out: Path) -> Dict[str, str]:
    rasa = env.get("VRT_RASA_SERVERS", "127.0.0.1:5005")
    max_conns = int(env.get("VRT_NGINX_MAX_CONNS", "8"))
    origins = env.get("VRT_CORS_ORIGINS", "").split()
    rate = env.get("VRT_NGINX_RATE", "5r/s")
    if not RATE.fullmatch(rate):
        raise ValueError(f"VRT_NGINX_RATE={rate!r}: requests per second or minute, like 5r/s or 300r/m")
    burst = int(env.get("VRT_NGINX_BURST", "20"))
    if burst < 0:
        raise ValueError(f"VRT_NGINX_BURST={burst}: 0 or more")
    in_flight = int(env.get("VRT_NGINX_CONNS_PER_CLIENT", "4"))
    if not 1 <= in_flight <= 65535:  # nginx's own bounds
        raise ValueError(f"VRT_NGINX_CONNS_PER_CLIENT={in_flight}: 1 to 65535")
    return {
        # A server that refused a connection is left alone for 5 s, then tried again.
        "rasa_rest_servers": upstream_lines(rasa, f" max_conns={max_conns} max_fails=1 fail_timeout=5s"),
        "rasa_socketio_servers": upstream_lines(rasa, " max_fails=1 fail_timeout=5s"),
        "action_servers": upstream_lines(
            env.get("VRT_ACTION_SERVERS", "127.0.0.1:5055"), " max_fails=1 fail_timeout=5s"
        ),
        "cors_origins": "\n".join(f'    "{o}" "{o}";' for o in origins if '"' not in o),
        "VRT_NGINX_LISTEN": env.get("VRT_NGINX_LISTEN", "127.0.0.1:8088"),
        "VRT_NGINX_ACTIONS_LISTEN": env.get("VRT_NGINX_ACTIONS_LISTEN", "127.0.0.1:5056"),
        "VRT_NGINX_READ_TIMEOUT": env.get("VRT_NGINX_READ_TIMEOUT", "10s"),
        "VRT_NGINX_WORKERS": env.get("VRT_NGINX_WORKERS", "auto"),
        "VRT_NGINX_USER": env.get("VRT_NGINX_USER", "www-data"),
        "VRT_NGINX_RATE": rate,
        # nodelay: the burst is taken at once, not spread out at the rate (a resident's message
        # would wait). nginx refuses "burst=0": no burst is no parameter.
        "burst": f" burst={burst} nodelay" if burst else "",
        "VRT_NGINX_CONNS_PER_CLIENT": str(in_flight),
        "real_ip": real_ip_lines(env.get("VRT_NGINX_REAL_IP_FROM", "")),
        "VRT_NGINX_DIR": env.get("VRT_NGINX_DIR", str(out)),
        "VRT_NGINX_ERROR_LOG": env.get("VRT_NGINX_ERROR_LOG", str(out / "error.log")),
        "VRT_NGINX_ACCESS_LOG": env.get("VRT_NGINX_ACCESS_LOG", str(out / "access.log")),
        "VRT_WEB_ROOT": env.get("VRT_WEB_ROOT", str(ROOT / "web")),
    }


def render(out: Path, env: Mapping[str, str] = os.environ) -> Path:
    """Writes out/nginx.conf, out/busy.json and out/too-many.json; returns the path of nginx.conf."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "tmp").mkdir(exist_ok=True)
    filled = values(env, out)
    used = {a or b for a, b in PLACEHOLDER.findall(TEMPLATE.read_text())}
    missing = sorted(used - set(filled))
    if missing:
        raise KeyError(f"{TEMPLATE} uses variables without a value: {', '.join(missing)}")
    config = PLACEHOLDER.sub(lambda match: filled[match.group(1) or match.group(2)], TEMPLATE.read_text())
    for name, answer in (("busy.json", busy_answer()), ("too-many.json", too_many_answer())):
        (out / name).write_text(json.dumps(answer, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "nginx.conf").write_text(config)
    return out / "nginx.conf"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for nginx.conf and its JSON answers")
    args = parser.parse_args(argv)
    print(render(args.out.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
