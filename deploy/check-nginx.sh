#!/usr/bin/env bash
# `nginx -t` on deploy/nginx-marketplace.conf, as CI runs it: a throwaway certificate and a minimal
# main configuration that includes the site file, so nothing under /etc/nginx is touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kjcg.example.gov.cn" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
sed -e "s#/etc/ssl/marketplace/#$work/#g" -e "s#/var/log/nginx/#$work/#g" \
  "$here/nginx-marketplace.conf" > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log $work/access.log;
    client_body_temp_path $work;
    proxy_temp_path $work;
    fastcgi_temp_path $work;
    uwsgi_temp_path $work;
    scgi_temp_path $work;
    include $work/site.conf;
}
CONF
nginx -t -c "$work/nginx.conf" -p "$work"
