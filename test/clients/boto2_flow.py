# boto 2 (Debian's python3-boto, 2.49) against a gateway, as an old application uses it.
# Run by test/clients/boto2.test.ts with Debian's /usr/bin/python3 (pyenv's python does not see
# dist-packages): `python3 boto2_flow.py params.json`. boto 2 signs with SigV2 for a host that is
# not amazonaws.com; BOTO_CONFIG pointing at a file with `[s3] use-sigv4 = True` makes it sign
# with SigV4 (boto/auth.py detect_potential_s3sigv4). Prints one JSON line per step:
# {"step": name, "ok": true, facts...} or {"step": name, "ok": false, "error": ..., "trace": ...};
# the test asserts the facts. A failed step does not stop the later ones.
import hashlib
import io
import json
import sys
import urllib.request
from urllib.parse import urlparse

import boto
from boto.exception import BotoServerError
from boto.s3.connection import OrdinaryCallingFormat, S3Connection
from boto.s3.key import Key
from boto.s3.prefix import Prefix
from flowlib import code_of, fetch, MiB, pattern, step

params = json.load(open(sys.argv[1]))
url = urlparse(params['endpoint'])


def connect(secret):
    c = S3Connection(params['access_key'], secret, host=url.hostname, port=url.port, is_secure=False,
                     calling_format=OrdinaryCallingFormat())
    if c._auth_handler.capability[0] == 'hmac-v4-s3':
        # SigV4 takes its region from the host name and finds none in 127.0.0.1 (boto/boto#3377:
        # UnboundLocalError); auth_region_name is boto's way to name it.
        c.auth_region_name = 'us-east-1'
    return c


conn = connect(params['secret_key'])
B = params['bucket']


def error_of(fn):
    try:
        fn()
    except BotoServerError as e:  # S3ResponseError, S3CreateError
        return {'class': type(e).__name__, 'status': e.status, 'code': e.error_code}
    return None


@step('signature version')
def _():
    plain = S3Connection(params['access_key'], params['secret_key'], host=url.hostname, port=url.port,
                         is_secure=False, calling_format=OrdinaryCallingFormat())
    try:
        plain.get_all_buckets()
        without_region = None
    except Exception as e:  # noqa: BLE001
        without_region = type(e).__name__
    return {'auth': conn._auth_handler.capability[0], 'without_region': without_region}


@step('create_bucket, again (error code), lookup of a missing bucket')
def _():
    conn.create_bucket(B)
    return {'again': error_of(lambda: conn.create_bucket(B)),
            'missing': conn.lookup(B + '-missing') is None,
            'listed': B in [b.name for b in conn.get_all_buckets()]}


@step('set_contents_from_string with metadata and type, get_key, get_contents_as_string, a ranged GET')
def _():
    bucket = conn.get_bucket(B)
    body = pattern(3000, 'small')
    k = Key(bucket, 'dir/small \u00e9+x.bin')
    k.set_metadata('color', 'blue')
    k.set_metadata('Shape', 'round')
    k.set_contents_from_string(body, headers={'Content-Type': 'application/x-test'})
    got = bucket.get_key('dir/small \u00e9+x.bin')
    back = got.get_contents_as_string()
    part = got.get_contents_as_string(headers={'Range': 'bytes=100-199'})
    return {'etag': got.etag, 'md5': hashlib.md5(body).hexdigest(), 'size': got.size, 'type': got.content_type,
            'meta': got.metadata, 'same': back == body, 'range_same': part == body[100:200],
            'missing': bucket.get_key('nope') is None,
            'missing_get': error_of(lambda: Key(bucket, 'nope').get_contents_as_string())}


@step('set_contents_from_file with md5, and with a wrong md5 (BadDigest)')
def _():
    bucket = conn.get_bucket(B)
    body = pattern(70000, 'file')
    fp = io.BytesIO(body)
    k = Key(bucket, 'file.bin')
    md5 = k.compute_md5(fp)
    k.set_contents_from_file(fp, md5=md5)
    back = bucket.get_key('file.bin').get_contents_as_string()
    wrong = Key(bucket, 'bad-digest.bin').compute_md5(io.BytesIO(b'other bytes'))
    bad = error_of(lambda: Key(bucket, 'bad-digest.bin').set_contents_from_file(io.BytesIO(body), md5=wrong))
    return {'etag': k.etag, 'md5': md5[0], 'same': back == body, 'bad': bad,
            'bad_stored': bucket.get_key('bad-digest.bin') is not None}


@step('listing: bucket.list with prefix and delimiter, get_all_keys max_keys pages by marker, bucket.list pages')
def _():
    bucket = conn.get_bucket(B)
    for i in range(10):
        bucket.new_key('list/k%02d' % i).set_contents_from_string(str(i))
    bucket.new_key('list/sub/x').set_contents_from_string('x')
    top = list(bucket.list(prefix='list/', delimiter='/'))
    pages, keys, marker = 0, [], ''
    while True:
        rs = bucket.get_all_keys(prefix='list/', max_keys=3, marker=marker)
        pages += 1
        keys += [k.name for k in rs]
        if not rs.is_truncated:
            break
        marker = rs[-1].name
    # bucket.list pages with its own marker (boto.s3.bucketlistresultset.bucket_lister).
    every = [k.name for k in bucket.list(prefix='list/')]
    after = [k.name for k in bucket.get_all_keys(prefix='list/', marker='list/k07')]
    return {'prefixes': [p.name for p in top if isinstance(p, Prefix)],
            'direct': len([k for k in top if isinstance(k, Key)]),
            'pages': pages, 'keys': keys, 'every': every, 'after_marker': after}


@step('multipart: initiate, upload_part_from_file, copy_part_from_key, upload_part_from_file, get_all_parts, complete')
def _():
    bucket = conn.get_bucket(B)
    a = pattern(5 * MiB, 'part1')
    b = pattern(1234, 'part3')
    bucket.new_key('five.bin').set_contents_from_string(a[::-1])
    mp = bucket.initiate_multipart_upload('mp.bin', metadata={'kind': 'multi'})
    listed = [u.id for u in bucket.get_all_multipart_uploads()]
    mp.upload_part_from_file(io.BytesIO(a), 1)
    mp.copy_part_from_key(B, 'five.bin', 2)
    mp.upload_part_from_file(io.BytesIO(b), 3)
    parts = [(p.part_number, p.size) for p in mp.get_all_parts()]
    done = mp.complete_upload()
    k = bucket.get_key('mp.bin')
    back = k.get_contents_as_string()
    return {'listed': mp.id in listed, 'parts': parts, 'etag': done.etag, 'size': k.size, 'meta': k.metadata,
            'same': back == a + a[::-1] + b,
            'left': [u.key_name for u in bucket.get_all_multipart_uploads()]}


@step('multipart: copy_part_from_key with a range, get_all_parts, cancel_upload; a part to the cancelled upload (NoSuchUpload)')
def _():
    bucket = conn.get_bucket(B)
    mp = bucket.initiate_multipart_upload('cancelled.bin')
    mp.upload_part_from_file(io.BytesIO(b'abc'), 1)
    # A range adds x-amz-copy-source-range, which boto's SigV4 signer puts before
    # x-amz-copy-source (it sorts 'name:value' lines, and '-' < ':'; boto/boto#3032, #3749):
    # S3 answers SignatureDoesNotMatch to that too. SigV2 sorts by name.
    ranged = error_of(lambda: mp.copy_part_from_key(B, 'five.bin', 2, start=10, end=1009))
    parts = [(p.part_number, p.size) for p in mp.get_all_parts()]
    listed = mp.id in [u.id for u in bucket.get_all_multipart_uploads()]
    mp.cancel_upload()
    return {'listed': listed, 'ranged': ranged, 'parts': parts, 'left': [u.id for u in bucket.get_all_multipart_uploads()],
            'after': error_of(lambda: mp.upload_part_from_file(io.BytesIO(b'abc'), 2)),
            'key': bucket.get_key('cancelled.bin') is not None}


@step('copy_key keeping metadata, copy_key replacing it, copy_key of a missing key')
def _():
    bucket = conn.get_bucket(B)
    bucket.copy_key('copy-kept.bin', B, 'dir/small \u00e9+x.bin')
    bucket.copy_key('copy-new.bin', B, 'dir/small \u00e9+x.bin', metadata={'mood': 'new'})
    kept = bucket.get_key('copy-kept.bin')
    new = bucket.get_key('copy-new.bin')
    return {'kept_meta': kept.metadata, 'kept_type': kept.content_type, 'new_meta': new.metadata,
            'same': new.get_contents_as_string() == pattern(3000, 'small'),
            'missing': error_of(lambda: bucket.copy_key('x', B, 'no-such-source'))}


def grants(policy):
    return sorted('%s:%s' % (g.uri or g.type, g.permission) for g in policy.acl.grants)


@step('ACLs: set_acl public-read on a key and the bucket, get_acl, anonymous GET; set_acl private')
def _():
    bucket = conn.get_bucket(B)
    before = grants(bucket.get_acl('file.bin'))
    bucket.set_acl('public-read', 'file.bin')
    key_grants = grants(bucket.get_acl('file.bin'))
    anon_status, anon_body = fetch('%s/%s/file.bin' % (params['endpoint'], B))
    bucket.set_acl('public-read')
    bucket_grants = grants(bucket.get_acl())
    bucket.set_acl('private', 'file.bin')
    bucket.set_acl('private')
    anon_after, _ = fetch('%s/%s/file.bin' % (params['endpoint'], B))
    return {'before': before, 'key': key_grants, 'bucket': bucket_grants, 'anon_status': anon_status,
            'anon_same': anon_body == pattern(70000, 'file'), 'anon_after': anon_after,
            'owner': bucket.get_acl().owner.id is not None}


@step('generate_url: PUT, GET, GET with response headers, expired; fetched with urllib')
def _():
    bucket = conn.get_bucket(B)
    v4 = conn._auth_handler.capability[0] == 'hmac-v4-s3'
    # boto's SigV4 presign signs `host:` + the URL's host:port + ':' + port again (host_header()
    # adds the port to a host that has it already): on S3's default ports there is none, here
    # there is, and no Host the URL makes a client send matches. The requests below send the Host
    # boto signed (as boto itself does for its own header-signed requests); `plain_get_status` is
    # the GET as urllib sends it. SigV2 does not sign the host.
    host = {'Host': '%s:%s' % (conn.server_name(), url.port)} if v4 else {}
    body = b'sent through a presigned URL'
    # The type is signed (SigV2's string to sign has it; SigV4 as a signed header), and sent:
    # urllib would otherwise add application/x-www-form-urlencoded to a PUT.
    put_url = conn.generate_url(300, 'PUT', B, 'presigned \u00fc.txt', headers={'Content-Type': 'text/plain'})
    put_status, _ = fetch(put_url, 'PUT', body, dict(host, **{'Content-Type': 'text/plain'}))
    get_url = bucket.get_key('presigned \u00fc.txt').generate_url(300)
    get_status, got = fetch(get_url, headers=host)
    plain_status, _ = fetch(get_url)
    hdr_url = conn.generate_url(300, 'GET', B, 'presigned \u00fc.txt', response_headers={'response-content-type': 'text/x-boto'})
    with urllib.request.urlopen(urllib.request.Request(hdr_url, headers=host), timeout=30) as r:
        hdr_type = r.headers['Content-Type']
    old_status, old_body = fetch(conn.generate_url(-10, 'GET', B, 'presigned \u00fc.txt'), headers=host)
    return {'put_url': put_url, 'put_status': put_status, 'get_status': get_status, 'same': got == body,
            'plain_get_status': plain_status, 'hdr_type': hdr_type, 'expired_status': old_status,
            'expired_code': code_of(old_body)}


@step('versioning: configure_versioning, two versions, list_versions, get_key by version, a delete marker')
def _():
    vb = conn.create_bucket(B + '-versions')
    vb.configure_versioning(True)
    status = vb.get_versioning_status()
    k = vb.new_key('doc')
    k.set_contents_from_string('one')
    v1 = k.version_id
    k.set_contents_from_string('two')
    v2 = k.version_id
    marker = vb.delete_key('doc')
    versions = list(vb.list_versions())
    old = vb.get_key('doc', version_id=v1).get_contents_as_string()
    vb.delete_key('doc', version_id=marker.version_id)
    current = vb.get_key('doc').get_contents_as_string()
    for v in vb.list_versions():
        vb.delete_key(v.name, version_id=v.version_id)
    conn.delete_bucket(vb.name)
    return {'status': status, 'distinct': v1 is not None and v1 != v2, 'marker': marker.delete_marker,
            'versions': [(type(v).__name__, v.version_id) for v in versions], 'v1': v1, 'v2': v2,
            'marker_id': marker.version_id, 'old': old.decode(), 'current': current.decode()}


@step('delete_keys (multi-object delete) of three keys, one missing; delete_key')
def _():
    bucket = conn.get_bucket(B)
    r = bucket.delete_keys(['list/k00', 'list/k01', 'never-there'])
    bucket.delete_key('list/k02')
    return {'deleted': sorted(d.key for d in r.deleted), 'errors': len(r.errors),
            'left': [k.name for k in bucket.list(prefix='list/k0')]}


@step('a wrong secret key: SignatureDoesNotMatch')
def _():
    # A GET: boto names the error of a HEAD (get_bucket's check) itself, from the status alone.
    bad = connect('wrong-secret-key-000000000000000000000')
    return {'error': error_of(lambda: bad.get_bucket(B, validate=False).get_all_keys())}


@step('delete_bucket: not empty (error code), emptied, deleted')
def _():
    bucket = conn.get_bucket(B)
    full = error_of(lambda: conn.delete_bucket(B))
    for k in bucket.list():
        k.delete()
    conn.delete_bucket(B)
    return {'full': full, 'gone': conn.lookup(B) is None}
