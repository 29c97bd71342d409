# Apache Libcloud's S3 storage drivers (Debian's python3-libcloud, 3.4.1) against a gateway.
# Run by test/clients/libcloud.test.ts with Debian's /usr/bin/python3 (pyenv's python does not see
# dist-packages): `python3 libcloud_flow.py params.json`; params name the endpoint, the keys, the
# container and the driver:
#   's3'    get_driver(Provider.S3) with host/port/secure=False (S3StorageDriver, SigV4, us-east-1)
#   'minio' get_driver(Provider.MINIO), Libcloud's driver for S3-compatible servers (SigV4)
#   'rgw2'  get_driver(Provider.S3_RGW) with signature_version='2' (Ceph RGW's driver, SigV2)
# Prints one JSON line per step: {"step": name, "ok": true, facts...} or {"step": name, "ok": false,
# "error": ..., "trace": ...}; the test asserts the facts. A failed step does not stop the later ones.
import hashlib
import json
import os
import sys
from urllib.parse import urlparse

import libcloud
from libcloud.storage.providers import get_driver
from libcloud.storage.types import (ContainerAlreadyExistsError, ContainerDoesNotExistError,
                                    ContainerIsNotEmptyError, ObjectDoesNotExistError, Provider)
from flowlib import code_of, fetch, MiB, pattern, step

params = json.load(open(sys.argv[1]))
url = urlparse(params['endpoint'])
KIND = params['driver']
C = params['container']
WORK = params['workdir']

if KIND == 's3':
    driver = get_driver(Provider.S3)(params['access_key'], params['secret_key'], host=url.hostname,
                                     port=url.port, secure=False, region='us-east-1')
elif KIND == 'minio':
    driver = get_driver(Provider.MINIO)(params['access_key'], params['secret_key'], host=url.hostname,
                                        port=url.port, secure=False)
else:
    # Without region Libcloud names 'default', which it also sends as the LocationConstraint.
    driver = get_driver(Provider.S3_RGW)(params['access_key'], params['secret_key'], host=url.hostname,
                                         port=url.port, secure=False, signature_version='2',
                                         region='us-west-2')


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class is the fact
        return type(e).__name__
    return None


SMALL = pattern(3000, 'libcloud-small')
BIG = pattern(12 * MiB + 321, 'libcloud-big')
print(json.dumps({'step': 'driver', 'ok': True, 'class': type(driver).__name__,
                  'connection': type(driver.connection).__name__, 'libcloud': libcloud.__version__}), flush=True)


@step('create_container, again (ContainerAlreadyExistsError), get_container of a missing one, list_containers')
def _():
    made = driver.create_container(C)
    return {
        'created': made.name,
        'again': error_of(lambda: driver.create_container(C)),
        'missing': error_of(lambda: driver.get_container('libcloud-never-made')),
        'listed': C in [c.name for c in driver.list_containers()],
    }


if KIND == 'minio':
    # Libcloud's MinIO driver signs with an empty region (see the test's header): nothing else works.
    sys.exit(0)
container = driver.get_container(C)


@step('upload_object from a file with content_type and meta_data, get_object, download as stream and by range')
def _():
    path = os.path.join(WORK, 'small.bin')
    with open(path, 'wb') as f:
        f.write(SMALL)
    up = driver.upload_object(path, container, 'dir/small é.txt',
                              extra={'content_type': 'text/x-libcloud', 'meta_data': {'color': 'blue'}})
    obj = driver.get_object(C, 'dir/small é.txt')
    whole = b''.join(driver.download_object_as_stream(obj))
    ranged = b''.join(driver.download_object_range_as_stream(obj, 100, 200))
    dest = os.path.join(WORK, 'small.out')
    driver.download_object(obj, dest, overwrite_existing=True)
    return {
        'hash': up.hash, 'md5': hashlib.md5(SMALL).hexdigest(), 'size': obj.size,
        'type': obj.extra.get('content_type'), 'meta': obj.meta_data,
        'same': whole == SMALL, 'file_same': open(dest, 'rb').read() == SMALL,
        'range_same': ranged == SMALL[100:200],
    }


@step('upload_object_via_stream of 12 MiB (multipart, 5 MiB parts), download and compare')
def _():
    def chunks():
        view = memoryview(BIG)
        for i in range(0, len(BIG), 1 * MiB):
            yield bytes(view[i:i + MiB])
    try:
        up = driver.upload_object_via_stream(chunks(), container, 'big.bin',
                                             extra={'content_type': 'application/x-big', 'meta_data': {'kind': 'multi'}})
    except Exception as e:  # noqa: BLE001 - SigV2: Libcloud leaves ?uploads out of what it signs
        return {'error': type(e).__name__, 'code': code_of(str(e).encode())}
    obj = driver.get_object(C, 'big.bin')
    got = b''.join(driver.download_object_as_stream(obj))
    tail = b''.join(driver.download_object_range_as_stream(obj, len(BIG) - 1000))
    return {
        'etag': up.hash, 'size': obj.size, 'type': obj.extra.get('content_type'), 'meta': obj.meta_data,
        'same': hashlib.sha256(got).hexdigest() == hashlib.sha256(BIG).hexdigest(),
        'tail_same': tail == BIG[-1000:],
    }


@step('list_container_objects with a prefix, iterate_container_objects')
def _():
    for k in ['list/a', 'list/b', 'list/sub/c', 'other']:
        path = os.path.join(WORK, 'list.bin')
        with open(path, 'wb') as f:
            f.write(k.encode())
        driver.upload_object(path, container, k)
    return {
        'prefixed': [o.name for o in driver.list_container_objects(container, prefix='list/')],
        'all': sorted(o.name for o in driver.iterate_container_objects(container)),
        # Libcloud decodes the listing with requests' response.text: no charset in Content-Type
        # (S3 sends none either), so chardet guesses one (see the test's header).
        'non_ascii': [o.name for o in driver.list_container_objects(container, prefix='dir/')],
    }


@step('get_object_cdn_url (presigned GET) fetched with urllib: as given and with the Host it signed')
def _():
    if not hasattr(type(driver), 'get_object_cdn_url') or \
            type(driver).get_object_cdn_url is libcloud.storage.base.StorageDriver.get_object_cdn_url:
        return {'supported': False, 'error': error_of(lambda: driver.get_object_cdn_url(driver.get_object(C, 'dir/small é.txt')))}
    obj = driver.get_object(C, 'dir/small é.txt')
    u = driver.get_object_cdn_url(obj, ex_expiry=0.1)
    status, body = fetch(u)
    # Libcloud signs `host:` + connection.host, without the port the URL carries (see the test's header).
    host_status, host_body = fetch(u, headers={'Host': url.hostname})
    return {
        'supported': True, 'url': u, 'status': status, 'code': code_of(body),
        'host_status': host_status, 'host_same': host_body == SMALL,
    }


@step('a missing object: get_object and download (ObjectDoesNotExistError), delete_object of it')
def _():
    from libcloud.storage.base import Object
    ghost = Object('never-there', 0, None, {}, {}, container, driver)
    return {
        'get': error_of(lambda: driver.get_object(C, 'never-there')),
        'download': error_of(lambda: b''.join(driver.download_object_as_stream(ghost))),
        'delete': error_of(lambda: driver.delete_object(ghost)),
    }


@step('delete_object, delete_container: not empty (ContainerIsNotEmptyError), emptied, gone')
def _():
    gone_one = driver.delete_object(driver.get_object(C, 'other'))
    full = error_of(lambda: driver.delete_container(container))
    names = []
    for o in list(driver.iterate_container_objects(container)):
        names.append(o.name)
        driver.delete_object(o)
    # The name the listing mangled (see above) deleted nothing: delete the real one.
    if error_of(lambda: driver.get_object(C, 'dir/small é.txt')) is None:
        driver.delete_object(driver.get_object(C, 'dir/small é.txt'))
    return {
        'deleted_one': gone_one, 'full': full, 'deleted': sorted(names),
        'removed': driver.delete_container(container),
        'gone': error_of(lambda: driver.get_container(C)),
    }

