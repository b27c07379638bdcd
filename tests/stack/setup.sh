#!/bin/sh
# Prepare a bare machine (the test guest) for the stack: the users nginx
# looks up, its directories, the files it serves.  Idempotent.
set -e
[ -e /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
[ -e /etc/group ] || echo 'root:x:0:' >/etc/group
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /run/insight-stack /var/log/insight-stack /var/lib/insight-stack/redis \
	/var/lib/insight-stack/nginx-body /var/lib/nginx /srv/insight-stack/www \
	/srv/insight-stack/cgi
cp "$here/visit" /srv/insight-stack/cgi/visit
echo 'insight stack' >/srv/insight-stack/www/index.html
