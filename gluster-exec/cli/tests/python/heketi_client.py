"""Drives `gluster-plan serve` with Heketi's own Python client (PyPI `heketi` 3.0.0).

Usage: heketi_client.py URL ADMIN_KEY TOPOLOGY_OUT

The package is used as published, with ONE patch in a subclass: its token hashing.
On Python 3, `hashlib.sha256(method + '&' + uri)` raises TypeError (a str is not bytes),
so the subclass encodes the string first; claims, lifetime (1 s), signing and every
request are the package's own.

Writes the `heketi-cli topology info --json` document, assembled from the API as the CLI
does, to TOPOLOGY_OUT. Exits non-zero on the first failed check.
"""

import datetime
import hashlib
import json
import sys

import jwt
import requests
from heketi import HeketiClient


class Py3HeketiClient(HeketiClient):
    """HeketiClient with its token hashing encoded for Python 3 (the only change)."""

    def _set_token_in_header(self, method, uri, headers={}):
        claims = {}
        claims['iss'] = self.user
        claims['iat'] = datetime.datetime.utcnow()
        claims['exp'] = datetime.datetime.utcnow() + datetime.timedelta(seconds=1)
        # The patch: encode before hashing.
        claims['qsh'] = hashlib.sha256((method + '&' + uri).encode()).hexdigest()
        token = jwt.encode(claims, self.key, algorithm='HS256')
        headers['Authorization'] = 'bearer ' + token
        return headers


CHECKS = [0]


def check(cond, what):
    if not cond:
        print('FAILED: ' + what, file=sys.stderr)
        sys.exit(1)
    CHECKS[0] += 1


def topology_info(c):
    """The document `heketi-cli topology info --json` prints, built the CLI's way."""
    clusters = []
    for cid in c.cluster_list()['clusters']:
        info = c.cluster_info(cid)
        clusters.append({
            'id': cid,
            'block': info['block'],
            'file': info['file'],
            'blockvolumes': info['blockvolumes'],
            'volumes': [c.volume_info(v) for v in info['volumes']],
            'nodes': [c.node_info(n) for n in info['nodes']],
        })
    return {'clusters': clusters}


def main():
    url, key, topology_out = sys.argv[1], sys.argv[2], sys.argv[3]
    c = Py3HeketiClient(url, 'admin', key)
    check(c.hello(), 'hello')

    # A wrong key is refused.
    try:
        Py3HeketiClient(url, 'admin', key + 'x').cluster_list()
        check(False, 'wrong key refused')
    except requests.exceptions.HTTPError as e:
        check(e.response.status_code == 401, 'wrong key gives 401')

    clusters = c.cluster_list()['clusters']
    check(len(clusters) == 1, 'one cluster in the built-in example')
    cluster = c.cluster_info(clusters[0])
    check(cluster['id'] == clusters[0], 'cluster info id')
    check(len(cluster['nodes']) == 6, 'six nodes')
    for field in ('volumes', 'block', 'file', 'blockvolumes'):
        check(field in cluster, 'cluster info has ' + field)

    node = c.node_add({'zone': 1, 'cluster': clusters[0],
                       'hostnames': {'manage': ['node-py'], 'storage': ['192.0.2.77']}})
    check(node is not None and len(node['id']) == 32, 'node add returns the node')
    check(node['hostnames']['manage'] == ['node-py'], 'node add hostnames')
    check(c.device_add({'name': '/dev/sdx', 'node': node['id']}), 'device add')
    node = c.node_info(node['id'])
    check(len(node['devices']) == 1, 'node info lists the device')
    device = node['devices'][0]
    check(device['name'] == '/dev/sdx' and device['storage']['total'] > 0, 'device storage')
    check(c.device_info(device['id'])['id'] == device['id'], 'device info')
    check(c.device_state(device['id'], {'state': 'offline'}), 'device offline')
    check(c.device_state(device['id'], {'state': 'online'}), 'device online')

    vol = c.volume_create({'size': 10, 'name': 'pyvol',
                           'durability': {'type': 'replicate', 'replicate': {'replica': 3}},
                           'glustervolumeoptions': ['user.heketi.zone-checking strict']})
    check(vol is not None and len(vol['id']) == 32, 'volume create returns the volume')
    check(vol['size'] == 10 and len(vol['bricks']) == 3, 'volume size and bricks')
    check(vol['durability']['replicate']['replica'] == 3, 'replica 3')
    check(len(vol['mount']['glusterfs']['hosts']) == 3, 'mount hosts')
    check(vol['mount']['glusterfs']['device'].endswith(':pyvol'), 'mount device')
    check(vol['id'] in c.volume_list()['volumes'], 'volume list')
    check(c.volume_info(vol['id'])['name'] == 'pyvol', 'volume info')

    grown = c.volume_expand(vol['id'], {'expand_size': 10})
    check(grown is not None and grown['size'] == 20, 'volume expand')
    check(len(grown['bricks']) == 6, 'expand adds a set')

    topo = topology_info(c)
    node_ids = [n['id'] for n in topo['clusters'][0]['nodes']]
    check(len(node_ids) == 7, 'topology lists seven nodes')
    vols = topo['clusters'][0]['volumes']
    check(len(vols) == 1 and len(vols[0]['bricks']) == 6, 'topology lists the volume')
    for n in topo['clusters'][0]['nodes']:
        for field in ('zone', 'hostnames', 'cluster', 'id', 'state', 'devices'):
            check(field in n, 'topology node has ' + field)
        for d in n['devices']:
            for field in ('name', 'storage', 'id', 'state', 'bricks'):
                check(field in d, 'topology device has ' + field)
    with open(topology_out, 'w') as f:
        json.dump(topo, f)

    check(c.volume_delete(vol['id']), 'volume delete')
    check(vol['id'] not in c.volume_list()['volumes'], 'volume gone')

    check(c.device_state(device['id'], {'state': 'offline'}), 'device offline again')
    check(c.device_delete(device['id']), 'device delete')
    check(c.node_state(node['id'], {'state': 'offline'}), 'node offline')
    check(c.node_delete(node['id']), 'node delete')

    new = c.cluster_create()
    check(new is not None and len(new['id']) == 32, 'cluster create')
    check(c.cluster_delete(new['id']), 'cluster delete')
    check(len(c.cluster_list()['clusters']) == 1, 'cluster gone')

    print('heketi client: %d checks passed' % CHECKS[0])


if __name__ == '__main__':
    main()
