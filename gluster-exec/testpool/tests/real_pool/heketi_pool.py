"""One call of Heketi's own Python client (PyPI `heketi` 3.0.0) against `gluster-plan serve`.

Usage: heketi_pool.py URL ADMIN_KEY COMMAND [ARG...]
  clusters            cluster list and info of every cluster (JSON list)
  create NAME SIZE    replica 3, strict zones (Heketi's volume option); the volume (JSON)
  expand ID SIZE      the expanded volume (JSON)
  delete ID
  list                the volume ids (JSON list)

The client is the package as published with one patch, its token hashing, in the subclass
of gluster-exec/cli/tests/python/heketi_client.py (reused, not copied). Exits non-zero when
the client fails.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'cli', 'tests', 'python'))
from heketi_client import Py3HeketiClient  # noqa: E402


def main():
    url, key, command, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    c = Py3HeketiClient(url, 'admin', key)
    if command == 'clusters':
        out = [c.cluster_info(i) for i in c.cluster_list()['clusters']]
    elif command == 'create':
        out = c.volume_create({
            'name': args[0],
            'size': int(args[1]),
            'durability': {'type': 'replicate', 'replicate': {'replica': 3}},
            'glustervolumeoptions': ['user.heketi.zone-checking strict'],
        })
    elif command == 'expand':
        out = c.volume_expand(args[0], {'expand_size': int(args[1])})
    elif command == 'delete':
        out = c.volume_delete(args[0])
    elif command == 'list':
        out = c.volume_list()['volumes']
    else:
        sys.exit('unknown command ' + command)
    if out is None or out is False:
        sys.exit(command + ': the client returned ' + repr(out))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
